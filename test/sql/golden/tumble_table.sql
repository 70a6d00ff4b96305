SELECT window_start, window_end, user_id, COUNT(*) AS clicks, SUM(amount) AS spent
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
WHERE url LIKE '%/buy%'
GROUP BY window_start, window_end, user_id
HAVING SUM(amount) > 100
