-- A FROM column of the alias's name is what WHERE means, as SQL says: the filter runs before the OVER.
SELECT user_id, SUM(amount) OVER (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS amount
FROM clicks
WHERE amount > 5
