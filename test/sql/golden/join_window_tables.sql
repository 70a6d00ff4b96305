-- A window join of the window tables themselves, hopping.
SELECT l.window_start, l.user_id, r.price
FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '30' SECOND, INTERVAL '1' MINUTE)) l
JOIN TABLE(HOP(TABLE purchases, DESCRIPTOR(ts), INTERVAL '30' SECOND, INTERVAL '1' MINUTE)) r
  ON l.window_start = r.window_start AND l.window_end = r.window_end AND l.user_id = r.user_id
