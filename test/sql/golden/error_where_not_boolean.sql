SELECT * FROM clicks WHERE amount
