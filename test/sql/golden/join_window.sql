-- A window join, written as Flink writes it: each side a window table in a subquery.
SELECT l.window_start, l.window_end, l.user_id, l.url, r.item
FROM (SELECT * FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) l
FULL JOIN (SELECT * FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) r
  ON l.user_id = r.user_id AND l.window_start = r.window_start AND l.window_end = r.window_end
