SELECT window_start, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE clicks PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end
