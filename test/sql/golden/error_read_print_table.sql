CREATE TABLE out (a VARCHAR) WITH ('connector' = 'print');
SELECT a FROM out
