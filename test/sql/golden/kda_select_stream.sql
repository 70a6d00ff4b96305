-- KDA's SELECT STREAM, beside a column named stream.
SELECT STREAM * FROM orders;
SELECT STREAM stream FROM events;
SELECT stream + 1 AS s, stream FROM events;
SELECT stream FROM events
