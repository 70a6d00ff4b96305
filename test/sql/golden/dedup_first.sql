-- The first click of each user: append-only, emitted once the watermark passes it.
SELECT user_id, url, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts ASC) AS rn FROM clicks
) WHERE rn = 1
