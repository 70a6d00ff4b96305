-- A plain LEFT JOIN with a reference table, a condition on each pair, and a window over the result.
SELECT TUMBLE_START(c.ts, INTERVAL '1' MINUTE) AS minute, k.country, COUNT(*) AS clicks, SUM(c.amount) AS spent
FROM clicks c LEFT JOIN cards k ON UPPER(c.user_id) = k.card_id AND c.amount <= k.credit_limit
GROUP BY TUMBLE(c.ts, INTERVAL '1' MINUTE), k.country
