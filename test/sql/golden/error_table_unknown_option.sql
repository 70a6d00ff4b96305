CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = 's3://b/p', 'sink.rolling-policy.file-size' = '1MB')
