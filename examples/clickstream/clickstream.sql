-- Page views in, traffic figures out. Run as one script through POST /v1/sql (or `eddy sql`).

-- Event time is when the page was opened; browsers' beacons arrive up to 5 seconds out of order.
CREATE STREAM clicks (
  user_id     VARCHAR,
  url         VARCHAR,
  referrer    VARCHAR,
  duration_ms INT,
  ts          TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (shards = 2, format = 'json');

-- Views of each page per minute: one row per page and minute, as each minute closes.
SELECT window_start, url, COUNT(*) AS views, CAST(AVG(duration_ms) AS BIGINT) AS avg_duration_ms
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, url;

-- Active users over the last five minutes, every minute: a sliding count of distinct visitors.
SELECT window_start, window_end, COUNT(DISTINCT user_id) AS active_users, COUNT(*) AS views
FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY window_start, window_end;
