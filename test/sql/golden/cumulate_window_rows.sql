-- A window table read without an aggregate: each row once per window it falls in.
SELECT user_id, amount, window_start, window_end
FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE, INTERVAL '5' SECOND))
