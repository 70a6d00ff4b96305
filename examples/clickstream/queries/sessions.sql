-- Sessions: a visitor's events in one 30-minute window of event time, as one row in the sessions
-- stream: its traffic source, pages viewed, events, length (first to last event) and purchases.
-- A visit that crosses a window boundary counts as two sessions here; SESSION windows (a session ends
-- after 30 minutes without events) will replace the TUMBLE when Eddy has them.
INSERT INTO demo_clickstream_sessions
SELECT window_start, user_id, MIN(source),
       SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END),
       COUNT(*),
       CAST(MAX(ts) AS BIGINT) - CAST(MIN(ts) AS BIGINT),
       SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END)
FROM TABLE(TUMBLE(TABLE demo_clickstream_events, DESCRIPTOR(ts), INTERVAL '30' MINUTE))
GROUP BY window_start, window_end, user_id
