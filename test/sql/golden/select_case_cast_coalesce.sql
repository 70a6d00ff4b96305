SELECT
  CASE WHEN total > 100 THEN 'big' WHEN total > 10 THEN 'medium' ELSE 'small' END AS size,
  CASE qty WHEN 1 THEN 'one' WHEN 2 THEN 'two' END AS qty_name,
  CAST(total AS INT) AS t_int,
  CAST('42' AS BIGINT) AS parsed,
  CAST(placed_at AS BIGINT) AS epoch_ms,
  COALESCE(customer, 'anonymous') AS who,
  COALESCE(qty, total) AS widened
FROM orders
