SELECT LOWR(url) FROM clicks
