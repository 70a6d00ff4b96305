SELECT user_id FROM clicks WHERE SUM(amount) OVER (PARTITION BY user_id ORDER BY ts) > 10
