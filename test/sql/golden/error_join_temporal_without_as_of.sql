SELECT p.user_id, r.rate FROM purchases p JOIN rates r ON p.item = r.currency
