-- The three largest purchases of every 10-minute window, ranked over the window table's rows themselves.
SELECT * FROM (
  SELECT user_id, amount, window_start, window_end,
    ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY amount DESC) AS rn
  FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' MINUTE))
) WHERE rn <= 3
