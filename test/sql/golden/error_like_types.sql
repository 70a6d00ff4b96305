SELECT * FROM clicks WHERE amount LIKE 'a%'
