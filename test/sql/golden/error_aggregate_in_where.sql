SELECT user_id FROM clicks WHERE COUNT(*) > 1
