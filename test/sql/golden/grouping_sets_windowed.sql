SELECT window_start, window_end, user_id, url, COUNT(*) AS clicks
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, CUBE (user_id, url);

SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE) AS ws, UPPER(url) AS page, COUNT(*) AS clicks
FROM clicks GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), GROUPING SETS ((UPPER(url)), ());

SELECT SESSION_START(ts, INTERVAL '5' MINUTE) AS started, user_id, COUNT(*) AS clicks
FROM clicks GROUP BY SESSION(ts, INTERVAL '5' MINUTE), ROLLUP (user_id)
