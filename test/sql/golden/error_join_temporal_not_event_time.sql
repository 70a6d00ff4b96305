SELECT p.user_id, r.rate FROM purchases p JOIN rates FOR SYSTEM_TIME AS OF p.ts + INTERVAL '1' SECOND AS r ON p.item = r.currency
