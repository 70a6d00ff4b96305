-- A temporal join: each purchase with the rate of its currency current at its event time.
SELECT p.user_id, p.price, r.rate, p.price * r.rate AS converted
FROM purchases p JOIN rates FOR SYSTEM_TIME AS OF p.ts AS r ON p.item = r.currency
