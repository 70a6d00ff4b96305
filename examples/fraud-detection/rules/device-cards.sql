-- Many cards, one device: a fraudster works through a list of stolen cards from one phone or browser.
-- A lookup join with the issuer's table of cards keeps the online transactions made from a device other
-- than the one enrolled for the card (a household that shares a device has it enrolled for each of its
-- cards); three or more cards so used from one device within thirty minutes, looked at every five,
-- raise an alert.
INSERT INTO demo_fraud_alerts (rule, device_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'device_cards', t.device_id, MIN(t.ts), MAX(t.ts), 0, COUNT(*), ROUND(SUM(t.amount), 2),
       CAST(COUNT(DISTINCT t.card_id) AS VARCHAR) || ' cards used from a device not enrolled for them within 30 minutes'
FROM demo_fraud_transactions t
JOIN demo_fraud_cards c ON t.card_id = c.card_id
WHERE t.channel = 'online' AND t.device_id <> c.device_id
GROUP BY HOP(t.ts, INTERVAL '5' MINUTE, INTERVAL '30' MINUTE), t.device_id
HAVING COUNT(DISTINCT t.card_id) >= 3
