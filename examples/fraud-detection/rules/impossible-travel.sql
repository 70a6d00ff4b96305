-- Impossible travel: one card at two tills further apart than a plane could fly in the time between.
-- An interval join pairs each card-present transaction with the card's later ones within two hours;
-- the great-circle distance between the two tills (the haversine formula, in km) against the time
-- between them raises an alert above 1,000 km/h. Both transactions are flagged.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'impossible_travel', card_id, first_ts, last_ts, 0, 2, ROUND(amount, 2),
       'at a till in ' || first_city || ', then in ' || last_city || ' ' || CAST(ROUND(km) AS VARCHAR) || ' km away '
         || CAST(ROUND(seconds / 60.0) AS VARCHAR) || ' minutes later'
FROM (
  SELECT a.card_id, a.ts AS first_ts, b.ts AS last_ts, a.city AS first_city, b.city AS last_city,
         a.amount + b.amount AS amount, TIMESTAMPDIFF(SECOND, a.ts, b.ts) AS seconds,
         2 * 6371 * ASIN(SQRT(POWER(SIN(RADIANS(b.lat - a.lat) / 2), 2)
           + COS(RADIANS(a.lat)) * COS(RADIANS(b.lat)) * POWER(SIN(RADIANS(b.lon - a.lon) / 2), 2))) AS km
  FROM demo_fraud_transactions a
  JOIN demo_fraud_transactions b
    ON a.card_id = b.card_id AND b.ts > a.ts AND b.ts <= a.ts + INTERVAL '2' HOUR
  WHERE a.channel = 'pos' AND b.channel = 'pos'
)
WHERE km > 1000 * seconds / 3600.0
