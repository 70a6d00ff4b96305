SELECT * FROM clicks WHERE user_id = 5
