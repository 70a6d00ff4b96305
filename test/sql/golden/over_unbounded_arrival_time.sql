-- No frame: every earlier row of the partition (RANGE UNBOUNDED PRECEDING); orders has no WATERMARK, so _arrival_time.
SELECT customer, total, COUNT(*) OVER (PARTITION BY customer ORDER BY _arrival_time) AS orders_so_far,
  SUM(total) OVER (PARTITION BY customer ORDER BY ROWTIME) AS spent_so_far,
  STDDEV(total) OVER (PARTITION BY customer ORDER BY rowtime RANGE UNBOUNDED PRECEDING) AS sd
FROM orders
