SELECT * FROM cards
