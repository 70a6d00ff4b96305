SELECT * FROM (SELECT user_id, RANK() OVER (PARTITION BY user_id ORDER BY amount DESC) AS r FROM clicks) WHERE r <= 3
