SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id WITH (allowed_lateness = '1 minute')
