SELECT COUNT(*) AS n FROM clicks GROUP BY ROLLUP (user_id, ())
