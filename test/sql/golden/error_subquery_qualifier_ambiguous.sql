-- Two un-aliased subqueries both pass on a user_id from a C: which one C.user_id means is unsaid.
SELECT C.user_id FROM (SELECT C.user_id, C.ts FROM clicks AS C) JOIN (SELECT C.user_id, C.ts AS t2 FROM clicks AS C) ON t2 BETWEEN ts AND ts + INTERVAL '1' MINUTE
