-- An interval join: each click with the purchases of its user in the five minutes before it.
SELECT c.user_id, c.url, p.item, p.price, p.ts AS bought_at
FROM clicks c JOIN purchases p
  ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '5' MINUTE AND c.ts
