SELECT c.url FROM clicks c JOIN cards k ON c.amount > k.credit_limit
