SELECT COUNT(*), SUM(total) FROM orders
