SELECT user_id FROM clicks WITH (bad_record = 'clicks_bad')
