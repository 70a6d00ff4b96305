-- KDA's SELECT STREAM: the word changes nothing. events has a column named stream, which still reads as
-- one wherever STREAM could not be the keyword.
SELECT STREAM * FROM events;
SELECT STREAM key, "value" FROM events;
SELECT stream FROM events;
SELECT stream, key FROM events;
SELECT stream AS s FROM events;
SELECT stream + 1 AS n FROM events;
SELECT STREAM stream FROM events
