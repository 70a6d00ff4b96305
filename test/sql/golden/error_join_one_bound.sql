SELECT c.url, p.item FROM clicks c JOIN purchases p ON c.user_id = p.user_id AND p.ts >= c.ts
