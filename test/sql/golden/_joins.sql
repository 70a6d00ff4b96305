-- Tables the join golden files compile against, beside the streams of _catalog.sql: a reference table
-- (compiled only: the golden files never read its file) and a table kept from a stream.
CREATE TABLE cards (card_id VARCHAR PRIMARY KEY, holder VARCHAR, credit_limit DOUBLE, country VARCHAR)
  WITH (path = 'ref/cards.csv', format = 'csv', header = true);
CREATE TABLE rates (currency VARCHAR, rate DOUBLE, updated_at TIMESTAMP,
  PRIMARY KEY (currency) NOT ENFORCED, WATERMARK FOR updated_at AS updated_at - INTERVAL '5' SECOND)
  WITH (stream = 'rate_updates');
