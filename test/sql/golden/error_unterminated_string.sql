SELECT * FROM clicks
WHERE url = 'http://x
