CREATE TABLE c (code VARCHAR, name VARCHAR) WITH ('connector' = 'filesystem', 'path' = 'ref/countries.csv', 'format' = 'csv')
