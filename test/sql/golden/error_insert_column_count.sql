INSERT INTO click_counts SELECT user_id FROM clicks
