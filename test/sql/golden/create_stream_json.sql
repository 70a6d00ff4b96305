CREATE STREAM clicks2 (
  user_id VARCHAR PATH '$.payload.user.id',
  url STRING,
  amount DOUBLE PRECISION,
  n INTEGER,
  big BIGINT,
  r REAL,
  f FLOAT,
  ok BOOLEAN,
  name VARCHAR(20),
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (shards = 4, format = 'json')
