SELECT user_id FROM clicks HAVING user_id = 'a'
