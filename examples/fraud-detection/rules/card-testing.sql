-- Card testing: a stolen card number is tried with tiny online charges before it is used for real.
-- Five or more online charges under 5.00 on one card within ten minutes, looked at every minute.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'card_testing', card_id, MIN(ts), MAX(ts), 0, COUNT(*), ROUND(SUM(amount), 2),
       CAST(COUNT(*) AS VARCHAR) || ' online charges under 5.00 within 10 minutes'
FROM TABLE(HOP(TABLE demo_fraud_transactions, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '10' MINUTE))
WHERE channel = 'online' AND amount < 5
GROUP BY window_start, window_end, card_id
HAVING COUNT(*) >= 5
