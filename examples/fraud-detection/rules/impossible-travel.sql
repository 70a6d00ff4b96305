-- Impossible travel: one card at two tills more than 1,000 km apart within an hour, faster than any
-- flight. The distance is the span of the card's positions in the window, in degrees of latitude and
-- longitude as on a flat map (111 km a degree): it overstates east-west distances away from the
-- equator, so it errs towards alerting.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'impossible_travel', card_id, MIN(ts), MAX(ts), 0, COUNT(*), ROUND(SUM(amount), 2),
       'at tills in ' || MIN(city) || ' and ' || MAX(city) || ' within an hour'
FROM TABLE(HOP(TABLE demo_fraud_transactions, DESCRIPTOR(ts), INTERVAL '10' MINUTE, INTERVAL '1' HOUR))
WHERE channel = 'pos'
GROUP BY window_start, window_end, card_id
HAVING 111 * SQRT(POWER(MAX(lat) - MIN(lat), 2) + POWER(MAX(lon) - MIN(lon), 2)) > 1000
