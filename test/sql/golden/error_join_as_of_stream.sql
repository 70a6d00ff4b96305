SELECT c.url FROM clicks c JOIN purchases FOR SYSTEM_TIME AS OF c.ts AS p ON c.user_id = p.user_id
