SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id EMIT FINAL
