SELECT l.user_id
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) l
JOIN TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '2' MINUTE)) r
  ON l.window_start = r.window_start AND l.window_end = r.window_end
