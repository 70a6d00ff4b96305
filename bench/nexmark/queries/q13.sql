-- Nexmark q13, as the Nexmark project publishes it for Flink SQL
-- (https://github.com/nexmark/nexmark, nexmark-flink/src/main/resources/queries/q13.sql).
-- Unchanged except for the DDL: the published CREATE TABLE of the side input reads a CSV file with
-- Flink's legacy options ('connector.type', 'connector.path', 'format.type'), written here with the
-- current ones; its file is side_input.txt as the Nexmark project generates it, under Eddy's tables
-- directory (bench/nexmark/side-input.ts). Like the published table it has no PRIMARY KEY: the lookup
-- join matches on its ON equality. The result table (a Flink connector) is written as Eddy's CREATE
-- STREAM with the nearest Eddy types. The source streams person, auction and bid are declared in ddl.sql.

-- -------------------------------------------------------------------------------------------------
-- Query 13: Bounded Side Input Join (Not in original suite)
-- -------------------------------------------------------------------------------------------------
-- Joins a stream to a bounded side input, modeling basic stream enrichment.
-- -------------------------------------------------------------------------------------------------

-- TODO: use the new "filesystem" connector once FLINK-17397 is done
CREATE TABLE side_input (
  key BIGINT,
  `value` VARCHAR
) WITH (
  'connector' = 'filesystem',
  'path' = 'nexmark/side_input.txt',
  'format' = 'csv'
);

CREATE STREAM nexmark_q13 (
  auction BIGINT,
  bidder BIGINT,
  price BIGINT,
  dateTime TIMESTAMP,
  "value" VARCHAR
) WITH (format = 'json');

INSERT INTO nexmark_q13
SELECT
    B.auction,
    B.bidder,
    B.price,
    B.`dateTime`,
    S.`value`
FROM (SELECT *, PROCTIME() as p_time FROM bid) B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON mod(B.auction, 10000) = S.key;
