SELECT user_id, COUNT(*), SUM(amount) OVER (PARTITION BY user_id ORDER BY ts) FROM clicks GROUP BY user_id
