-- Nexmark q7's shape: each purchase joined with its 10-second window's highest price, the bound in time
-- in WHERE. With only inner joins in FROM, the join takes WHERE's parts over its two sides, as Flink
-- pushes them down; window_end is emitted only once the watermark passes it, so a purchase goes once the
-- windows' watermark passes its time + 10 s, and a window's row once the purchases' passes its end.
SELECT p.user_id, p.price, p.ts
FROM purchases p
JOIN (
  SELECT MAX(price) AS top, window_end AS ends
  FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) w ON p.price = w.top
WHERE p.ts BETWEEN w.ends - INTERVAL '10' SECOND AND w.ends
