-- Nexmark q14, as the Nexmark project publishes it for Flink SQL
-- (https://github.com/nexmark/nexmark, nexmark-flink/src/main/resources/queries/q14.sql).
-- Unchanged except for the DDL: the published CREATE TABLE of the result table (a Flink connector)
-- is written as Eddy's CREATE STREAM with the nearest Eddy types, and CREATE FUNCTION names the
-- JavaScript module of the function (bench/nexmark/udf/count-char.mjs, in the directory of user
-- functions) where Flink names a Java class. Like the class, the module declares the result type, so
-- the statement has no RETURNS, as published. The source streams person, auction and bid are declared
-- in ddl.sql.

-- -------------------------------------------------------------------------------------------------
-- Query 14: Calculation (Not in original suite)
-- -------------------------------------------------------------------------------------------------
-- Convert bid timestamp into types and find bids with specific price.
-- Illustrates duplicate expressions and usage of user-defined-functions.
-- -------------------------------------------------------------------------------------------------

CREATE FUNCTION count_char AS 'count-char.mjs';

CREATE STREAM nexmark_q14 (
  auction BIGINT,
  bidder BIGINT,
  price DOUBLE,
  bidTimeType VARCHAR,
  dateTime TIMESTAMP,
  extra VARCHAR,
  c_counts BIGINT
) WITH (format = 'json');

INSERT INTO nexmark_q14
SELECT 
    auction,
    bidder,
    0.908 * price as price,
    CASE
        WHEN HOUR(`dateTime`) >= 8 AND HOUR(`dateTime`) <= 18 THEN 'dayTime'
        WHEN HOUR(`dateTime`) <= 6 OR HOUR(`dateTime`) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    `dateTime`,
    extra,
    count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
