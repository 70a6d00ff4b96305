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

-- One row per session, written by queries/sessions.sql as each 30-minute window closes.
CREATE STREAM demo_clickstream_sessions (
  session_start TIMESTAMP,
  user_id       VARCHAR,
  source        VARCHAR,
  pages         BIGINT,
  events        BIGINT,
  duration_ms   BIGINT,
  purchases     BIGINT
) WITH (shards = 1, format = 'json');
