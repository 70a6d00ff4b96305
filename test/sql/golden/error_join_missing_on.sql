SELECT * FROM clicks c LEFT JOIN purchases p WHERE c.user_id = p.user_id
