SELECT user_id FROM clicks WHERE GROUPING(user_id) = 0
