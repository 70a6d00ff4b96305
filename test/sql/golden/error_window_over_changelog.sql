SELECT COUNT(*) AS n FROM (
  SELECT user_id, MAX(ts) AS last_ts FROM clicks GROUP BY user_id
) AS last_click
GROUP BY TUMBLE(last_ts, INTERVAL '1' MINUTE)
