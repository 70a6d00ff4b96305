SELECT DATE_FORMAT(ts, 'yyyy-MM-dd qq') FROM clicks
