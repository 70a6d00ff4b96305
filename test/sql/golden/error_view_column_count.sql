CREATE VIEW v (a, b) AS SELECT user_id FROM clicks
