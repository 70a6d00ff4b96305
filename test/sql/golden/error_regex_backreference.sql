SELECT REGEXP_LIKE(url, '^(a+)\1$') FROM clicks
