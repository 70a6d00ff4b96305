-- Nexmark q4, as the Nexmark project publishes it for Flink SQL
-- (https://github.com/nexmark/nexmark, nexmark-flink/src/main/resources/queries/q4.sql).
-- Unchanged except for the DDL: the published CREATE TABLE of the result table (a Flink connector)
-- is written as Eddy's CREATE STREAM with the nearest Eddy types. The source streams person,
-- auction and bid are declared in ddl.sql.

-- -------------------------------------------------------------------------------------------------
-- Query 4: Average Price for a Category
-- -------------------------------------------------------------------------------------------------
-- Select the average of the wining bid prices for all auctions in each category.
-- Illustrates complex join and aggregation.
-- -------------------------------------------------------------------------------------------------

CREATE STREAM nexmark_q4 (
  id BIGINT,
  final BIGINT
) WITH (format = 'json');

INSERT INTO nexmark_q4
SELECT
    Q.category,
    AVG(Q.final)
FROM (
    SELECT MAX(B.price) AS final, A.category
    FROM auction A, bid B
    WHERE A.id = B.auction AND B.`dateTime` BETWEEN A.`dateTime` AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
