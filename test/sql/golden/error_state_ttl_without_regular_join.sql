SELECT user_id FROM clicks WITH (state_ttl = '1 hour')
