SELECT c.url FROM clicks c JOIN purchases p ON c.amount < p.price
