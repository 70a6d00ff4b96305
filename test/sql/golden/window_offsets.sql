SELECT window_start, window_end, COUNT(*) AS clicks
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '15' MINUTE))
GROUP BY window_start, window_end;

SELECT window_start, window_end, COUNT(*) AS clicks
FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' MINUTE, INTERVAL '1' HOUR, INTERVAL '-2' MINUTE))
GROUP BY window_start, window_end;

-- An offset of a whole size is no offset at all.
SELECT window_start, COUNT(*) AS clicks
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;

SELECT TUMBLE_START(ts, INTERVAL '1' DAY, INTERVAL '-8' HOUR) AS day_start, user_id, COUNT(*) AS clicks
FROM clicks GROUP BY TUMBLE(ts, INTERVAL '1' DAY, INTERVAL '-8' HOUR), user_id;

SELECT HOP_END(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE, INTERVAL '30' SECOND) AS until, COUNT(*) AS clicks
FROM clicks GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE, INTERVAL '30' SECOND)
