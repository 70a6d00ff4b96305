SELECT window_end AS closes_at, COUNT(DISTINCT user_id) AS users
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) AS w
GROUP BY w.window_start, w.window_end
HAVING COUNT(DISTINCT user_id) >= 2 AND window_end > TIMESTAMP '2024-01-01 00:00:00'
