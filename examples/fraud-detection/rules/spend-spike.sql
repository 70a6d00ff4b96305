-- Spend spike: one purchase far above what this card usually spends. A GROUP BY without a window keeps
-- each card's count, total and largest purchase up to date and checks the card again with every batch
-- of its transactions: an alert when the largest is at least 400 and more than 10 times the average of
-- the card's other purchases, once the card has 5 purchases of history. Flights and hotels are left
-- out: bookings are large by nature.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'spend_spike', card_id, MIN(ts), MAX(ts), MAX(amount), COUNT(*), ROUND(SUM(amount), 2),
       'a purchase of ' || CAST(MAX(amount) AS VARCHAR) || ' against an average of '
         || CAST(ROUND((SUM(amount) - MAX(amount)) / (COUNT(*) - 1), 2) AS VARCHAR)
FROM demo_fraud_transactions
WHERE category NOT IN ('travel', 'hotel')
GROUP BY card_id
HAVING COUNT(*) >= 5 AND MAX(amount) >= 400
   AND MAX(amount) > 10 * (SUM(amount) - MAX(amount)) / (COUNT(*) - 1)
