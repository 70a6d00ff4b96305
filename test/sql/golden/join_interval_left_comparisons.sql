-- LEFT JOIN with the bounds as comparisons (one strict), and a condition on each pair besides the key.
SELECT c.user_id, c.ts, p.item
FROM clicks AS c LEFT OUTER JOIN purchases AS p
  ON p.user_id = c.user_id AND p.ts >= c.ts AND c.ts > p.ts - INTERVAL '1' HOUR AND p.price > c.amount
