SELECT n, COUNT(*) AS users FROM (
  SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id
) AS per_user
GROUP BY n
