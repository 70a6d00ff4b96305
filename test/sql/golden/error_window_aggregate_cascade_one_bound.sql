-- Grouped by only the end of each window, the rows are no window's: a changing result, which a join refuses.
SELECT a.n FROM (
  SELECT COUNT(*) AS n, window_start AS ws, window_end AS we
  FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
  GROUP BY window_start, window_end
) a JOIN (
  SELECT MAX(n) AS most, we FROM (
    SELECT COUNT(*) AS n, window_start AS ws, window_end AS we
    FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
    GROUP BY window_start, window_end
  ) GROUP BY we
) m ON a.we = m.we
