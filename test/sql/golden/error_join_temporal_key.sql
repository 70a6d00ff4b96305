SELECT p.user_id, r.rate FROM purchases p JOIN rates FOR SYSTEM_TIME AS OF p.ts AS r ON p.price = r.rate
