SELECT LOWER(url) FILTER (WHERE amount > 1) AS u FROM clicks
