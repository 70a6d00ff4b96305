SELECT user_id, url, COUNT(*) AS clicks, GROUPING(user_id, url) AS g
FROM clicks GROUP BY GROUPING SETS ((user_id, url), (user_id), ());

SELECT user_id, url, SUM(amount) AS spent, GROUPING_ID(url) AS url_rolled_up
FROM clicks GROUP BY ROLLUP (user_id, url)
HAVING GROUPING(user_id) = 0
