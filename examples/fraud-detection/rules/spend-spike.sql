-- Spend spike: one purchase far above what this card usually spends. An OVER window gives every
-- transaction the card's rolling average over the (up to) 50 transactions before it, leaving the
-- transaction itself out; a lookup join brings the card's credit limit from the issuer's table. An alert
-- flags the purchase alone when the card has at least 4 transactions of history, and the purchase is
-- more than 10 times the rolling average and at least a fifth of the card's limit. Flights and hotels
-- are left out: bookings are large by nature.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'spend_spike', t.card_id, t.ts, t.ts, t.amount, 1, t.amount,
       'a purchase of ' || CAST(t.amount AS VARCHAR) || ', ' || CAST(ROUND(t.amount / t.usual, 1) AS VARCHAR)
         || ' times the rolling average of ' || CAST(ROUND(t.usual, 2) AS VARCHAR) || ', '
         || CAST(ROUND(100 * t.amount / c.credit_limit) AS VARCHAR) || '% of the limit'
FROM (
  SELECT card_id, ts, amount, category, AVG(amount) OVER w AS usual, COUNT(*) OVER w AS history
  FROM demo_fraud_transactions
  WINDOW w AS (PARTITION BY card_id ORDER BY ts ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING)
) t
JOIN demo_fraud_cards c ON t.card_id = c.card_id
WHERE t.history >= 4 AND t.category NOT IN ('travel', 'hotel')
  AND t.amount > 10 * t.usual AND t.amount >= c.credit_limit / 5
