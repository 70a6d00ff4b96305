-- A parameter out of KDA's range names the parameter and the range, at the argument.
SELECT * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM orders), 100, 5000))
