-- An OVER aggregate over a changing result (a Top-N) with a bounded ROWS frame: a changelog revising
-- the rows a change reaches; ordered by any column of it.
SELECT user_id, AVG(amount) OVER (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS recent
FROM (SELECT * FROM (SELECT user_id, url, amount, ts, ROW_NUMBER() OVER (PARTITION BY url ORDER BY amount DESC) AS rn FROM clicks) WHERE rn <= 1)
