SELECT user_id, url AS user_id FROM clicks
