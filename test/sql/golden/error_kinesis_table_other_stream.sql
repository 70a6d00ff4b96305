CREATE TABLE t (a INT) WITH ('connector' = 'kinesis', 'stream' = 'other')
