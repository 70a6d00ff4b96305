SELECT SUM(amount) OVER (PARTITION BY user_id ORDER BY amount) FROM clicks
