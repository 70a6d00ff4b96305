SELECT user_id, COUNT(*) AS clicks, COUNT(*) FILTER (WHERE amount > 10) AS big, SUM(amount) FILTER (WHERE url LIKE '/cart%') AS cart_spend,
  COUNT(DISTINCT url) FILTER (WHERE amount IS NOT NULL) AS paid_urls, AVG(amount) FILTER (WHERE FALSE) AS never
FROM clicks GROUP BY user_id;

SELECT window_start, COUNT(*) FILTER (WHERE url = '/home') AS home, COUNT(*) FILTER (WHERE url <> '/home') AS elsewhere
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end
HAVING COUNT(*) FILTER (WHERE url = '/home') > 0;

-- FILTER without (WHERE …) after it is still an alias.
SELECT COUNT(*) filter FROM clicks
