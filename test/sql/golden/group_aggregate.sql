SELECT customer, COUNT(*) AS orders, SUM(qty) AS items, AVG(total) AS mean, MIN(total) AS lo, MAX(placed_at) AS last_at,
  STDDEV(total) AS sd, COUNT(DISTINCT order_id) AS distinct_orders, COUNT(total) AS with_total
FROM orders GROUP BY customer HAVING COUNT(*) > 1
