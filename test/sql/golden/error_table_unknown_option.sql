CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = 's3://b/p', 'sink.partition-commit.policy.kind' = 'success-file')
