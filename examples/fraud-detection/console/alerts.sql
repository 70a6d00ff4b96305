-- Every alert as the rules raise it.
SELECT rule, card_id, device_id, detail, first_ts, last_ts, txns, amount FROM demo_fraud_alerts
