SELECT usr_id FROM clicks
