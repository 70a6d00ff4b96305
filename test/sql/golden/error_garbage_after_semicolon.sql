SELECT user_id FROM clicks; garbage
