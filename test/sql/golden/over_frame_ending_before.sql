-- Each purchase against the card's average of the 50 purchases before it (the purchase itself left out).
SELECT user_id, amount, AVG(amount) OVER w AS usual, COUNT(*) OVER w AS history
FROM clicks
WINDOW w AS (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING)
QUALIFY amount > 10 * usual AND history >= 5;
SELECT user_id, SUM(amount) OVER (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND INTERVAL '1' MINUTE PRECEDING) AS earlier FROM clicks
