-- Sessions: a visitor's events until 30 minutes pass without one (a SESSION window per visitor), as one
-- row of the sessions table: its traffic source, pages viewed, events, length (first to last event, in
-- ms), purchases and revenue. A session is written once, when the watermark passes its last event plus
-- the gap; two visits of one visitor less than 30 minutes apart are one session, with the
-- alphabetically first source (as MIN picks it).
INSERT INTO demo_clickstream_sessions
SELECT window_start, window_end, user_id, MIN(source),
       COUNT(*) FILTER (WHERE event_type = 'page_view'),
       COUNT(*),
       CAST(MAX(ts) AS BIGINT) - CAST(MIN(ts) AS BIGINT),
       COUNT(*) FILTER (WHERE event_type = 'purchase'),
       COALESCE(SUM(amount), 0)
FROM TABLE(SESSION(TABLE demo_clickstream_events PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '30' MINUTE))
GROUP BY window_start, window_end, user_id
