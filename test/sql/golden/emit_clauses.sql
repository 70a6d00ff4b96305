-- EMIT ON WINDOW CLOSE is what windows do anyway; allowed lateness keeps them for late rows, whose
-- revisions make the output a changelog, and rows later than that go to a stream.
SELECT window_start, user_id, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, user_id
EMIT ON WINDOW CLOSE
WITH (allowed_lateness = '30 seconds', late_rows = 'click_counts');

SELECT user_id, SUM(amount) AS spent FROM clicks GROUP BY user_id EMIT CHANGES EVERY INTERVAL '2' SECOND;

SELECT user_id, SUM(amount) AS spent FROM clicks AS emit GROUP BY user_id EMIT CHANGES;

SELECT url FROM clicks EMIT CHANGES
