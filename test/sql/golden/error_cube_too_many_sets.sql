SELECT COUNT(*) AS n FROM events GROUP BY CUBE (key, value, window, timestamp, date, stream, key || 'a', value + 1, value + 2)
