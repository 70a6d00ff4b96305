-- Nexmark q10, as the Nexmark project publishes it for Flink SQL
-- (https://github.com/nexmark/nexmark, nexmark-flink/src/main/resources/queries/q10.sql).
-- Unchanged except for the DDL: the published CREATE TABLE of the result table (Flink's filesystem
-- connector, partitioned by dt and hm) is written as Eddy's CREATE STREAM with the nearest Eddy types; a
-- Firehose delivery stream writes such a stream to files partitioned by its fields. The source streams person,
-- auction and bid are declared in ddl.sql.

-- -------------------------------------------------------------------------------------------------
-- Query 10: Log to File System (Not in original suite)
-- -------------------------------------------------------------------------------------------------
-- Log all events to file system. Illustrates windows streaming data into partitioned file system.
--
-- Every minute, save all events from the last period into partitioned log files.
-- -------------------------------------------------------------------------------------------------

CREATE STREAM nexmark_q10 (
  auction BIGINT,
  bidder BIGINT,
  price BIGINT,
  dateTime TIMESTAMP,
  extra VARCHAR,
  dt VARCHAR,
  hm VARCHAR
) WITH (format = 'json');

INSERT INTO nexmark_q10
SELECT auction, bidder, price, `dateTime`, extra, DATE_FORMAT(`dateTime`, 'yyyy-MM-dd'), DATE_FORMAT(`dateTime`, 'HH:mm')
FROM bid;
