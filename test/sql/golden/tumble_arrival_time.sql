SELECT window_start, customer, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(_arrival_time), INTERVAL '30' SECOND))
GROUP BY window_start, window_end, customer
