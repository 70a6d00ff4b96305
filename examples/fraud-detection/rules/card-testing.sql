-- Card testing: a stolen card number is tried with tiny online charges before it is used for real.
-- At every online charge under 5.00, an OVER window counts the card's small charges in the ten minutes up
-- to it; QUALIFY keeps the fifth and each one after it, so the alert comes with the charge that tips it.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'card_testing', card_id, MIN(ts) OVER w, ts, 0, COUNT(*) OVER w, ROUND(SUM(amount) OVER w, 2),
       CAST(COUNT(*) OVER w AS VARCHAR) || ' online charges under 5.00 within 10 minutes'
FROM demo_fraud_transactions
WHERE channel = 'online' AND amount < 5
WINDOW w AS (PARTITION BY card_id ORDER BY ts RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW)
QUALIFY COUNT(*) OVER w >= 5
