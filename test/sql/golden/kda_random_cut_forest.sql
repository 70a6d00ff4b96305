-- KDA's anomaly detection as KDA applications write it: SELECT STREAM, TABLE(RANDOM_CUT_FOREST(CURSOR(…), …)).
-- The forest reads the numeric columns (total, qty, order_id); the others pass on unread.
SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM "orders"), 100, 256, 100000, 1));

-- Parameters left out take KDA's defaults; a filter and projection on the score.
SELECT customer, "ANOMALY_SCORE" FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT customer, total, qty FROM orders WHERE paid))) WHERE ANOMALY_SCORE > 3;

-- With explanation and directionality, over shingles of 4.
SELECT STREAM order_id, ANOMALY_SCORE, ANOMALY_EXPLANATION
FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM order_id, total / 100 AS total FROM orders), 50, 128, 1000, 4, TRUE)) AS scored
