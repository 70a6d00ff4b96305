-- A lookup join as Flink writes it: each click with its user's card, as the table is when the click arrives.
SELECT c.user_id, c.amount, k.holder, k.credit_limit
FROM clicks c JOIN cards FOR SYSTEM_TIME AS OF c.ts AS k ON c.user_id = k.card_id
