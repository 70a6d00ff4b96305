-- A window table without an aggregate: each row with the bounds of its window.
SELECT window_start, window_end, user_id, url FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
