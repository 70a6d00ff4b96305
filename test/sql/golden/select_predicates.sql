SELECT order_id FROM orders
WHERE customer IS NOT NULL AND total IS NULL
  OR qty IN (1, 2, 3) AND customer NOT IN ('a', 'b')
  OR total BETWEEN 1 AND 10.5 AND qty NOT BETWEEN 2 AND 4
  OR customer LIKE 'A%' AND customer NOT LIKE '_b%'
  OR NOT paid
