SELECT user_id,
       amont
FROM clicks
