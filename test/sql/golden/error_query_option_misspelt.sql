SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id WITH (allowed_latenes = '1 minute')
