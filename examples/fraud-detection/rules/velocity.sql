-- Velocity: a card used far more often than anyone shops, as when a cloned card is emptied in a spree.
-- Five or more transactions on one card within ten minutes, looked at every minute.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'velocity', card_id, MIN(ts), MAX(ts), 0, COUNT(*), ROUND(SUM(amount), 2),
       CAST(COUNT(*) AS VARCHAR) || ' transactions at ' || CAST(COUNT(DISTINCT merchant_id) AS VARCHAR) || ' merchants within 10 minutes'
FROM TABLE(HOP(TABLE demo_fraud_transactions, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '10' MINUTE))
GROUP BY window_start, window_end, card_id
HAVING COUNT(*) >= 5
