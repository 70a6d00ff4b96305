-- The latest click of each user and url: an upsert changelog keyed by user_id, url.
SELECT * FROM (
  SELECT user_id, url, amount, ts, ROW_NUMBER() OVER (PARTITION BY user_id, url ORDER BY ts DESC) AS rownum FROM clicks
) t WHERE t.rownum <= 1
