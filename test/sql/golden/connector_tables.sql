-- Flink's CREATE TABLE … WITH ('connector' = …): kinesis and filesystem tables are streams (a filesystem
-- table's records are written to files by a delivery stream of its name); print and blackhole tables only
-- take rows, which INSERT INTO sends to the query's subscribers.
CREATE TABLE bids (auction BIGINT, price DOUBLE, `dateTime` TIMESTAMP, WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND)
  WITH ('connector' = 'kinesis', 'stream' = 'bids', 'aws.region' = 'us-east-1', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');
CREATE TABLE archive (auction BIGINT, price DOUBLE) WITH ('connector' = 'filesystem', 'path' = 's3://archive/bids/', 'format' = 'parquet');
CREATE TABLE console (auction BIGINT, price DOUBLE) WITH ('connector' = 'print');
CREATE TABLE nowhere (n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO archive SELECT auction, price FROM bids;
INSERT INTO console SELECT auction, price * 0.9 FROM bids WHERE price > 100;
INSERT INTO nowhere SELECT COUNT(*) FROM bids;
SHOW TABLES;
DROP TABLE console;
DROP TABLE archive
