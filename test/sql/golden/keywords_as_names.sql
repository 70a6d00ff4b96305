SELECT key, value, window, timestamp, date, stream FROM events WHERE window = 'w' AND timestamp > TIMESTAMP '2024-01-01 00:00:00'
