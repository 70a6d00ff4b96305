SELECT SUM(url) FROM clicks
