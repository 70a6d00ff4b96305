SELECT x.user_id FROM clicks AS c
