SELECT user_id
