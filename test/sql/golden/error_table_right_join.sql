SELECT c.url FROM clicks c RIGHT JOIN cards k ON c.user_id = k.card_id
