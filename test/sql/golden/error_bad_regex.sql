SELECT REGEXP_LIKE(url, '(') FROM clicks
