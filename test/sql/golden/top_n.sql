-- The three largest purchases of each user so far: a continuously updated Top-N.
SELECT * FROM (
  SELECT user_id, url, amount, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount DESC) AS rn
  FROM clicks
) WHERE rn <= 3 AND url <> 'x'
