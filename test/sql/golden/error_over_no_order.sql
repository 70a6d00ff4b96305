SELECT SUM(amount) OVER (PARTITION BY user_id) FROM clicks
