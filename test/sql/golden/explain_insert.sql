EXPLAIN INSERT INTO click_counts SELECT user_id, ts, 1, amount FROM clicks
