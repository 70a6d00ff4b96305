CREATE STREAM t (a INT PATH 'payload.a')
