-- A view stands for its SELECT: a query that reads it compiles the view's SELECT in place, filters,
-- renamed columns and the time attribute passing through it.
CREATE VIEW big_clicks (who, spent, at) AS SELECT user_id, amount, ts FROM clicks WHERE amount > 10;
SELECT who, SUM(spent) AS total FROM big_clicks GROUP BY who;
SELECT window_start, who, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE big_clicks, DESCRIPTOR(at), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, who;
CREATE TEMPORARY VIEW IF NOT EXISTS recent AS SELECT b.who FROM big_clicks AS b WHERE b.at > TIMESTAMP '2024-01-01 00:00:00';
SELECT * FROM recent;
SHOW VIEWS;
DROP VIEW recent
