-- Many cards, one device: a fraudster works through a list of stolen cards from one phone or browser.
-- Four or more different cards used online from one device within thirty minutes, looked at every five.
INSERT INTO demo_fraud_alerts (rule, device_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'device_cards', device_id, MIN(ts), MAX(ts), 0, COUNT(*), ROUND(SUM(amount), 2),
       CAST(COUNT(DISTINCT card_id) AS VARCHAR) || ' cards used from one device within 30 minutes'
FROM TABLE(HOP(TABLE demo_fraud_transactions, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '30' MINUTE))
WHERE device_id IS NOT NULL
GROUP BY window_start, window_end, device_id
HAVING COUNT(DISTINCT card_id) >= 4
