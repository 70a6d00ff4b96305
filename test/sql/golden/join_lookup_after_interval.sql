-- An interval join, then a lookup: the comma form, its conditions in WHERE.
SELECT c.user_id, p.item, k.holder
FROM clicks c, purchases p, cards k
WHERE c.user_id = p.user_id AND p.ts BETWEEN c.ts AND c.ts + INTERVAL '1' MINUTE AND k.card_id = p.user_id
