SELECT user_id, url, AVG(amount) OVER w AS recent_avg, MAX(amount) OVER w AS recent_max,
  LAG(url) OVER w AS previous_url, LAG(amount, 2, 0) OVER w AS amount_2_back, LEAD(url) OVER w AS next_url,
  FIRST_VALUE(url) OVER w AS first_url, LAST_VALUE(amount) OVER w AS last_amount
FROM clicks
WHERE amount > 0
WINDOW w AS (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)
