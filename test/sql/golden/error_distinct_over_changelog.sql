-- COUNT(DISTINCT) cannot take a withdrawn row out again: a GROUP BY over a changelog refuses it.
SELECT n, COUNT(DISTINCT user_id) AS users FROM (
  SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id
) AS per_user
GROUP BY n
