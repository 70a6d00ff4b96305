-- The top 3 users by spend in every 10-minute window, emitted once per window.
SELECT * FROM (
  SELECT *, RANK() OVER (PARTITION BY window_start, window_end ORDER BY spend DESC) AS place
  FROM (
    SELECT window_start, window_end, user_id, SUM(amount) AS spend, COUNT(*) AS n
    FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' MINUTE))
    GROUP BY window_start, window_end, user_id
  )
) WHERE place <= 3
