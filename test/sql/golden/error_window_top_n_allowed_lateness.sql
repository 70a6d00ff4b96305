-- Windows that take late rows revise their results: a window Top-N over them would rank rows later withdrawn.
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY spend DESC) AS place FROM (
    SELECT window_start, window_end, user_id, SUM(amount) AS spend
    FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' MINUTE)) GROUP BY window_start, window_end, user_id))
WHERE place <= 3
WITH (allowed_lateness = '1 minute')
