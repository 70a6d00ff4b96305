-- A FULL regular join (a changelog: a row emitted alone is withdrawn when it finds a match), whose rows are kept an hour.
SELECT c.user_id, c.url, p.user_id AS buyer, p.item
FROM clicks c FULL JOIN purchases p ON c.user_id = p.user_id AND p.price > c.amount
WITH (state_ttl = '1 hour')
