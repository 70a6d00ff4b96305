CREATE TABLE c (code VARCHAR PRIMARY KEY, name VARCHAR) WITH ('connector' = 'print')
