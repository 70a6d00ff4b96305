-- An interval join keeps both sides' time attributes: an OVER window may order its rows by one.
SELECT c.user_id, SUM(p.price) OVER (PARTITION BY c.user_id ORDER BY c.ts) AS spent
FROM clicks c JOIN purchases p
  ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '5' MINUTE AND c.ts
