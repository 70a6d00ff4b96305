SELECT * FROM (SELECT user_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount) AS rn FROM clicks) WHERE rn < 1
