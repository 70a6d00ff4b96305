-- This card's spend over the last 10 minutes, at every transaction.
SELECT user_id, amount, ts,
  SUM(amount) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW) AS spend_10m,
  COUNT(*) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW) AS txns_10m
FROM clicks
