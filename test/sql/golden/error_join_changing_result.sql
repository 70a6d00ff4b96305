SELECT t.user_id, p.item
FROM (SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id) t JOIN purchases p ON t.user_id = p.user_id
