SELECT user_id FROM clicks;
SELECT nope FROM clicks
