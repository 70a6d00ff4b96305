SELECT user_id, GROUPING(url) AS g FROM clicks GROUP BY ROLLUP (user_id)
