CREATE VIEW v AS SELECT user_id, amount FROM clicks;
SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE v, DESCRIPTOR(amount), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end
