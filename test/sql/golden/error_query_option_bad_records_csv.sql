SELECT user_id FROM clicks WITH (bad_records = 'readings')
