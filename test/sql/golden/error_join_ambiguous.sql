SELECT user_id FROM clicks c JOIN purchases p ON c.user_id = p.user_id AND p.ts BETWEEN c.ts AND c.ts + INTERVAL '1' MINUTE
