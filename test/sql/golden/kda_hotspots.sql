-- KDA's HOTSPOTS example, over the clicks stream: a window of 1,000 rows, scan radius 0.2, 17 points.
SELECT STREAM "user_id", "amount", "HOTSPOTS_RESULT" FROM TABLE (HOTSPOTS(CURSOR(SELECT STREAM "user_id", "amount", "ts" FROM "clicks"), 1000, 0.2, 17));

-- The anomaly score in a windowed aggregate: the cursor's event time passes through the function.
SELECT COUNT(*) AS n, MAX(ANOMALY_SCORE) AS worst
FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT amount, ts FROM clicks)))
GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)
