SELECT
  total * 2 + 1 AS a,
  -total AS neg,
  total / 2 AS half,
  qty % 3 AS m,
  qty + order_id AS widened,
  customer || '-' || CAST(qty AS VARCHAR) AS label,
  CONCAT(customer, qty, paid) AS c2,
  'it''s' AS quoted
FROM orders
