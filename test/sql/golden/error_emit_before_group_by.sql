SELECT user_id, COUNT(*) FROM clicks EMIT CHANGES GROUP BY user_id
