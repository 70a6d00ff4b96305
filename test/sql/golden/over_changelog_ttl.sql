-- An OVER aggregate over a changing result whose partitions are forgotten after an hour without a change
-- (Nexmark q6's shape: each seller's last auctions, a seller that sells no more goes).
SELECT user_id, AVG(amount) OVER (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS recent
FROM (SELECT * FROM (SELECT user_id, url, amount, ts, ROW_NUMBER() OVER (PARTITION BY url ORDER BY amount DESC) AS rn FROM clicks) WHERE rn <= 1)
WITH (state_ttl = '1 hour')
