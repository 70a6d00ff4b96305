SELECT user_id, url, COUNT(*) FROM clicks GROUP BY user_id
