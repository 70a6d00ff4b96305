-- Flink connector tables with a PRIMARY KEY are tables that queries join: a filesystem table reading a
-- file under the tables directory is a reference table, a kinesis table the latest row per key of its stream.
CREATE TABLE trades (trade_id VARCHAR, currency VARCHAR, price DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'kinesis', 'format' = 'json');
CREATE TABLE countries (code VARCHAR, name VARCHAR, PRIMARY KEY (code) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'ref/countries.csv', 'format' = 'csv', 'header' = 'true');
CREATE TABLE fx_rates (currency VARCHAR PRIMARY KEY NOT ENFORCED, rate DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts)
  WITH ('connector' = 'kinesis', 'format' = 'json');
SELECT t.trade_id, t.price * r.rate AS converted
FROM trades t JOIN fx_rates FOR SYSTEM_TIME AS OF t.ts AS r ON t.currency = r.currency;
SHOW TABLES;
DROP TABLE fx_rates;
DROP TABLE trades
