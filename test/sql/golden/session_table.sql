SELECT window_start, window_end, user_id, COUNT(*) AS clicks, SUM(amount) AS spent
FROM TABLE(SESSION(TABLE clicks PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '30' MINUTE))
GROUP BY window_start, window_end, user_id;

SELECT window_start, window_end, user_id, url, COUNT(*) AS clicks
FROM TABLE(SESSION(TABLE clicks PARTITION BY (user_id, url), DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, user_id, url;

SELECT window_start, window_end, COUNT(*) AS clicks
FROM TABLE(SESSION(TABLE orders, DESCRIPTOR(_arrival_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end
