-- Tables read from a file (JSON lines, CSV with a header and PATHs) and kept from a stream.
CREATE TABLE customers (id BIGINT, name VARCHAR, tier VARCHAR, PRIMARY KEY (id)) WITH (path = 'customers.jsonl', format = 'json');
CREATE TABLE IF NOT EXISTS zones (zone VARCHAR PATH '$[1]' PRIMARY KEY NOT ENFORCED, label VARCHAR PATH '$[0]')
  WITH (path = 'geo/zones.csv', format = 'csv', header = TRUE, 'csv.field-delimiter' = ';');
CREATE TABLE prices (sku VARCHAR, region VARCHAR, price DOUBLE, at TIMESTAMP, PRIMARY KEY (sku, region),
  WATERMARK FOR at AS at - INTERVAL '1' MINUTE) WITH (stream = 'price_feed', shards = 2);
DESCRIBE TABLE cards;
SHOW TABLES;
ALTER TABLE cards REFRESH;
DROP TABLE IF EXISTS zones
