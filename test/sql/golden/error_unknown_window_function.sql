SELECT window_start, COUNT(*) AS n
FROM TABLE(SLIDE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end
