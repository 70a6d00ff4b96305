-- A Top-N over a GROUP BY without a window would rank rows that are later revised.
SELECT * FROM (
  SELECT user_id, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn
  FROM (SELECT user_id, SUM(amount) AS total FROM clicks GROUP BY user_id)
) WHERE rn <= 3
