SELECT user_id FROM (SELECT user_id FROM clicks WITH (bad_records = 'clicks_bad')) AS c
