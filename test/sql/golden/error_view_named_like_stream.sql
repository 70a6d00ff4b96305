CREATE VIEW clicks AS SELECT user_id FROM clicks
