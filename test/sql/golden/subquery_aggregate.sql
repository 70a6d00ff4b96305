SELECT user_id, n FROM (
  SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id
) AS per_user
WHERE n > 5
