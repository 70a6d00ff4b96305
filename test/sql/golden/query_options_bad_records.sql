-- Records a query cannot decode go to a stream of their own, named after the query.
SELECT user_id, amount FROM clicks WHERE amount > 10 WITH (bad_records = 'clicks_bad');

INSERT INTO click_counts
SELECT user_id, window_start, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, user_id
WITH ('bad_records' = clicks_bad);

EXPLAIN SELECT * FROM clicks WITH (bad_records = 'clicks_bad')
