SELECT user_id AS _op, COUNT(*) AS n FROM clicks GROUP BY user_id
