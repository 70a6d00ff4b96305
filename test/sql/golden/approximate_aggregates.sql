SELECT window_start, window_end, APPROX_COUNT_DISTINCT(user_id) AS visitors, APPROX_PERCENTILE(amount, 0.95) AS p95,
  PERCENTILE_APPROX(amount, 0.5) AS median, APPROX_COUNT_DISTINCT(url) FILTER (WHERE amount > 0) AS paid_pages
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;

SELECT customer, APPROX_COUNT_DISTINCT(order_id) AS orders, APPROX_PERCENTILE(qty, 1) AS most FROM orders GROUP BY customer
