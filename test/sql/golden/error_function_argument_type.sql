SELECT LPAD(url, 'x', '*') FROM clicks
