-- GROUP BY the window bounds of a window aggregate's rows is a window aggregate again (Flink's cascading
-- window aggregation): append-only, and its bounds still the HOP's, so the window join can match them.
SELECT a.user_id, a.n FROM (
  SELECT user_id, COUNT(*) AS n, window_start AS ws, window_end AS we
  FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
  GROUP BY user_id, window_start, window_end
) a JOIN (
  SELECT MAX(n) AS most, ws, we FROM (
    SELECT user_id, COUNT(*) AS n, window_start AS ws, window_end AS we
    FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
    GROUP BY user_id, window_start, window_end
  ) GROUP BY ws, we
) m ON a.ws = m.ws AND a.we = m.we AND a.n >= m.most
