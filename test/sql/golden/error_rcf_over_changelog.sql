-- The forest learns from every row: a GROUP BY without a window revises its rows, so it cannot be read.
SELECT * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id)))
