-- Velocity: a card used far more often than anyone shops, as when a cloned card is emptied in a spree.
-- At every transaction, the card's transactions in the ten minutes up to it (an OVER window); the fifth
-- and each one after it raise an alert, with what the card spent in those ten minutes against its limit
-- (from the issuer's table of cards, a lookup join).
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'velocity', t.card_id, t.first_ts, t.ts, 0, t.txns, ROUND(t.spent, 2),
       CAST(t.txns AS VARCHAR) || ' transactions within 10 minutes, ' || CAST(ROUND(t.spent, 2) AS VARCHAR)
         || ' in all (' || CAST(ROUND(100 * t.spent / c.credit_limit) AS VARCHAR) || '% of the card''s limit)'
FROM (
  SELECT card_id, ts, COUNT(*) OVER w AS txns, MIN(ts) OVER w AS first_ts, SUM(amount) OVER w AS spent
  FROM demo_fraud_transactions
  WINDOW w AS (PARTITION BY card_id ORDER BY ts RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW)
) t
JOIN demo_fraud_cards c ON t.card_id = c.card_id
WHERE t.txns >= 5
