SELECT c.user_id, COUNT(*) FROM clicks c LEFT JOIN purchases p ON c.user_id = p.user_id GROUP BY c.user_id
