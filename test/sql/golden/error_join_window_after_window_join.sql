SELECT TUMBLE_START(l.ts, INTERVAL '1' HOUR), COUNT(*)
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) l
JOIN TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) r
  ON l.window_start = r.window_start AND l.window_end = r.window_end
GROUP BY TUMBLE(l.ts, INTERVAL '1' HOUR)
