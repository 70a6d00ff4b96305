-- Over a changing result, the default frame reaches back to the partition's first row.
SELECT user_id, COUNT(*) OVER (PARTITION BY user_id ORDER BY total)
FROM (SELECT user_id, SUM(amount) AS total FROM clicks GROUP BY user_id)
