-- The clickstream demo's two streams. Every name starts with demo_clickstream_, and the demo's reset
-- touches nothing else.

-- What the shop's page tag sends: one record per page view, add-to-cart or purchase, on event time.
-- Events arrive at most a couple of seconds out of order; the watermark waits 5 s.
CREATE STREAM demo_clickstream_events (
  user_id    VARCHAR,   -- the visitor (a first-party cookie)
  event_type VARCHAR,   -- 'page_view', 'add_to_cart' or 'purchase'
  url        VARCHAR,
  product    VARCHAR,   -- what was added to the cart; NULL otherwise
  amount     DOUBLE,    -- what a purchase came to; NULL otherwise
  source     VARCHAR,   -- where the visit came from: search, ads, social, newsletter or direct
  ts         TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (shards = 2, format = 'json');

-- One row per session, written by queries/sessions.sql as each session closes. A Flink filesystem
-- table: a stream that queries read (queries/sessions-by-source.sql) and whose records a delivery stream
-- of the same name writes to Parquet files under s3://demo-clickstream/sessions/, for DuckDB.
CREATE TABLE demo_clickstream_sessions (
  session_start TIMESTAMP,
  session_end   TIMESTAMP,   -- the last event plus the 30-minute gap, when the session closed
  user_id       VARCHAR,
  source        VARCHAR,
  pages         BIGINT,
  events        BIGINT,
  duration_ms   BIGINT,      -- first to last event
  purchases     BIGINT,
  revenue       DOUBLE
) WITH ('connector' = 'filesystem', 'path' = 's3://demo-clickstream/sessions/', 'format' = 'parquet');
