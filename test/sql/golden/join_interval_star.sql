-- SELECT * over a join: a name both sides have gets a number on its second use, as Flink does.
SELECT * FROM clicks c FULL JOIN purchases p ON c.user_id = p.user_id AND p.ts BETWEEN c.ts AND c.ts + INTERVAL '10' SECOND
