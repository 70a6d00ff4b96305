-- Transactions per hour of event time in each country: the daily rhythm of each time zone, as a chart.
SELECT window_start, window_end, country, COUNT(*) AS transactions, ROUND(SUM(amount), 2) AS spent
FROM TABLE(TUMBLE(TABLE demo_fraud_transactions, DESCRIPTOR(ts), INTERVAL '1' HOUR))
GROUP BY window_start, window_end, country
