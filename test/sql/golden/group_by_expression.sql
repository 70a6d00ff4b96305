SELECT LOWER(customer) AS who, SUM(total) / COUNT(*) AS mean FROM orders GROUP BY LOWER(customer)
