-- The fraud demo's two streams. Every name starts with demo_fraud_, and the demo's reset touches nothing else.

-- Card transactions, on event time: each transaction's own timestamp. They arrive a few seconds out of
-- order at most; the watermark waits a minute, so none is dropped as late.
CREATE STREAM demo_fraud_transactions (
  txn_id      VARCHAR,
  card_id     VARCHAR,
  merchant_id VARCHAR,
  merchant    VARCHAR,
  category    VARCHAR,
  channel     VARCHAR,   -- 'pos' (card present, at a till) or 'online'
  amount      DOUBLE,
  city        VARCHAR,
  country     VARCHAR,
  lat         DOUBLE,    -- where a card-present purchase was made; NULL online
  lon         DOUBLE,
  device_id   VARCHAR,   -- the browser or phone an online purchase came from; NULL at a till
  ts          TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE
) WITH (shards = 4, format = 'json');

-- Every rule writes the same shape of alert. An alert names a card (or a device), the time span of the
-- transactions it is about and an amount floor: the transactions it flags are that card's (device's)
-- transactions in [first_ts, last_ts] of at least min_amount.
CREATE STREAM demo_fraud_alerts (
  rule       VARCHAR,
  card_id    VARCHAR,
  device_id  VARCHAR,
  first_ts   TIMESTAMP,
  last_ts    TIMESTAMP,
  min_amount DOUBLE,
  txns       BIGINT,
  amount     DOUBLE,
  detail     VARCHAR
) WITH (shards = 2, format = 'json');

-- What the issuer knows of each card, a reference table read from a CSV file the demo writes under the
-- server's tables directory: the card's home, its credit limit, and the device enrolled for its online
-- payments. Rules join it with a lookup join: each transaction finds its card's row as it arrives.
CREATE TABLE demo_fraud_cards (
  card_id      VARCHAR PRIMARY KEY NOT ENFORCED,
  home_city    VARCHAR,
  home_country VARCHAR,
  credit_limit DOUBLE,
  device_id    VARCHAR
) WITH ('connector' = 'filesystem', 'path' = 'demo_fraud/cards.csv', 'format' = 'csv', 'header' = 'true');
