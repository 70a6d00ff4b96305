-- Over a changing result, a RANGE frame would revise any number of rows at each change.
SELECT user_id, SUM(total) OVER (PARTITION BY user_id ORDER BY total RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW)
FROM (SELECT user_id, SUM(amount) AS total FROM clicks GROUP BY user_id)
