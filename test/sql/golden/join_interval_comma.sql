-- The comma form: the join's condition comes from WHERE; what reads one side only stays a filter.
SELECT c.url, p.price
FROM clicks c, purchases p
WHERE c.user_id = p.user_id AND c.url LIKE '/cart%' AND c.ts BETWEEN p.ts AND p.ts + INTERVAL '30' SECOND
