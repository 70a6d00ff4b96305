-- A continuously updated Top-N is a changelog: counting its rows would count every change.
SELECT user_id, COUNT(*) FROM (
  SELECT * FROM (SELECT user_id, amount, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount DESC) AS rn FROM clicks) WHERE rn <= 3
) GROUP BY user_id
