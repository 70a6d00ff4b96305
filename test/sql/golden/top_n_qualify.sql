SELECT user_id, url, amount FROM clicks
QUALIFY ROW_NUMBER() OVER (PARTITION BY url ORDER BY amount DESC NULLS FIRST, ts) < 3
