-- Unique visitors so far this hour, every minute: a cumulating window (the hour's first minute, its first
-- two, … the whole hour), each counted with APPROX_COUNT_DISTINCT, a HyperLogLog sketch of at most 4 KiB
-- however many visitors come (relative standard error 1.6%) where COUNT(DISTINCT …) would remember
-- every visitor of every open window.
SELECT window_start, window_end, APPROX_COUNT_DISTINCT(user_id) AS visitors
FROM TABLE(CUMULATE(TABLE demo_clickstream_events, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))
GROUP BY window_start, window_end
