SELECT url FROM clicks WHERE REGEXP_LIKE(url, 'buy(?=now)')
