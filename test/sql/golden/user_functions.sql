-- User functions: a call becomes udf('name', 'module', args…) in the plan, so a running query needs only the module.
CREATE FUNCTION haversine AS 'geo/haversine.mjs' RETURNS DOUBLE;
CREATE TEMPORARY FUNCTION IF NOT EXISTS shout AS 'text.ts' LANGUAGE TYPESCRIPT RETURNS VARCHAR;
SELECT user_id, Haversine(amount, amount, 0, 0) AS km, shout(url) AS loud FROM clicks WHERE haversine(amount, 0, 0, 0) > 1;
SELECT shout(user_id) AS who, SUM(haversine(amount, 0, 0, 0)) AS km FROM clicks GROUP BY shout(user_id);
SHOW USER FUNCTIONS;
DROP FUNCTION shout
