CREATE STREAM t (a INT) WITH (shard = 2)
