SELECT JSON_VALUE(url, 'a.b') FROM clicks
