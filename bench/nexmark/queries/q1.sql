-- Nexmark q1, as the Nexmark project publishes it for Flink SQL
-- (https://github.com/nexmark/nexmark, nexmark-flink/src/main/resources/queries/q1.sql).
-- Unchanged except for the DDL: the published CREATE TABLE of the result table (a Flink connector)
-- is written as Eddy's CREATE STREAM with the same types (price is exact: DECIMAL(23, 3)). The source streams person,
-- auction and bid are declared in ddl.sql.

-- -------------------------------------------------------------------------------------------------
-- Query1: Currency conversion
-- -------------------------------------------------------------------------------------------------
-- Convert each bid value from dollars to euros. Illustrates a simple transformation.
-- -------------------------------------------------------------------------------------------------

CREATE STREAM nexmark_q1 (
  auction BIGINT,
  bidder BIGINT,
  price DECIMAL(23, 3),
  dateTime TIMESTAMP,
  extra VARCHAR
) WITH (format = 'json');

INSERT INTO nexmark_q1
SELECT
    auction,
    bidder,
    0.908 * price as price, -- convert dollar to euro
    `dateTime`,
    extra
FROM bid;
