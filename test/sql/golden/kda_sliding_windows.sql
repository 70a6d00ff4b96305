-- Kinesis Data Analytics' sliding windows: no ORDER BY, on ROWTIME.
SELECT STREAM customer, total, AVG(total) OVER W1 AS avg_total, MAX(total) OVER W1 AS max_total
FROM orders
WINDOW W1 AS (PARTITION BY customer RANGE INTERVAL '1' MINUTE PRECEDING);
SELECT STREAM customer, SUM(total) OVER (PARTITION BY customer ROWS 4 PRECEDING) AS last_five FROM orders
