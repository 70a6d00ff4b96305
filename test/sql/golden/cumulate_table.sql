SELECT window_start, window_end, user_id, COUNT(*) AS clicks, SUM(amount) AS spent
FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '1' DAY))
GROUP BY window_start, window_end, user_id;

SELECT window_start, window_end, COUNT(*) AS clicks
FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' MINUTE, INTERVAL '1' HOUR, INTERVAL '5' MINUTE))
GROUP BY window_start, window_end
