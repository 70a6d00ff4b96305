INSERT INTO click_counts (clicks, USER_ID) SELECT COUNT(*), user_id FROM clicks GROUP BY user_id
