INSERT INTO click_counts (user_id, click) SELECT user_id, 1 FROM clicks
