-- DECIMAL(p, s): exact numeric literals, Flink's result types of arithmetic, and DECIMAL aggregates.
CREATE STREAM trades (sym VARCHAR, price DECIMAL(10, 2), qty INT, volume BIGINT, fee NUMERIC(38, 10), rate DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
SELECT 0.908 * volume AS eur, price + 1 AS up, price - fee AS net, price * qty AS cost, price / qty AS unit, price % 3 AS rest, price * rate AS approx, 1e3 AS d FROM trades;
SELECT sym, price FROM trades WHERE price BETWEEN 9.99 AND 100 AND price IN (10, 12.5);
SELECT CAST(price AS DECIMAL(5, 1)) AS p1, CAST('1.005' AS DECIMAL(4, 2)) AS p2, CAST(price AS INT) AS i, CAST(price AS VARCHAR) AS s, ROUND(price, 1) AS r, FLOOR(price) AS f, CEIL(price) AS c, ABS(price) AS a, TRUNCATE(price, 1) AS t FROM trades;
SELECT sym, SUM(price) AS total, AVG(price) AS mean, MIN(price) AS lo, MAX(price) AS hi, COUNT(DISTINCT price) AS prices, SUM(price * qty) AS turnover FROM trades GROUP BY sym, TUMBLE(ts, INTERVAL '1' MINUTE);
SELECT price, COUNT(*) AS n FROM trades GROUP BY price
