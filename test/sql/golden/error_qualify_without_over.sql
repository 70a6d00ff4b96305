SELECT user_id FROM clicks QUALIFY user_id = 'a'
