INSERT INTO click_counts SELECT user_id, url, 1, 2.0 FROM clicks
