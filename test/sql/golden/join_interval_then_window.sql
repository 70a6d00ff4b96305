-- A window over an interval join's rows, on one side's time.
SELECT TUMBLE_START(c.ts, INTERVAL '1' MINUTE) AS minute, c.user_id, COUNT(*) AS pairs, SUM(p.price) AS spent
FROM clicks c JOIN purchases p ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '1' MINUTE AND c.ts
GROUP BY TUMBLE(c.ts, INTERVAL '1' MINUTE), c.user_id
