-- Streams every golden file compiles against.
CREATE STREAM clicks (
  user_id VARCHAR,
  url VARCHAR,
  amount DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (shards = 2, format = 'json');

-- No watermark: windows run on arrival time.
CREATE STREAM orders (order_id BIGINT, customer VARCHAR, total DOUBLE, qty INT, placed_at TIMESTAMP, paid BOOLEAN);

-- A sink for INSERT INTO.
CREATE STREAM click_counts (user_id VARCHAR, window_start TIMESTAMP, clicks BIGINT, spent DOUBLE);

-- Names that are keywords elsewhere.
CREATE STREAM events (key VARCHAR, value DOUBLE, window VARCHAR, timestamp TIMESTAMP, date VARCHAR, stream INT);

CREATE STREAM readings (sensor VARCHAR, reading DOUBLE, at TIMESTAMP) WITH (format = 'csv', 'csv.field-delimiter' = ';');

-- A second stream with event time, to join with clicks.
CREATE STREAM purchases (user_id VARCHAR, item VARCHAR, price DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) WITH (shards = 2);
