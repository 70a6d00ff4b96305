SELECT LPAD(url, 3) FROM clicks
