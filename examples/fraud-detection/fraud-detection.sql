-- Card transactions in, fraud alerts out. Run as one script through POST /v1/sql (or `eddy sql`).

-- Event time is the transaction's own timestamp. Records may arrive up to 10 seconds out of order;
-- a window closes once every shard has seen a transaction 10 seconds past its end.
CREATE STREAM transactions (
  card_id  VARCHAR,
  merchant VARCHAR,
  amount   DOUBLE,
  country  VARCHAR,
  ts       TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH (shards = 2, format = 'json');

-- Every rule writes the same shape of alert, so one Firehose delivery stream can archive them all.
CREATE STREAM alerts (
  card_id      VARCHAR,
  rule         VARCHAR,
  window_start TIMESTAMP,
  window_end   TIMESTAMP,
  txn_count    BIGINT,
  total_amount DOUBLE,
  countries    BIGINT
) WITH (shards = 1, format = 'json');

-- Velocity: five or more transactions on one card within five minutes (card testing: many small
-- charges to find out whether a stolen number works). Hopping windows, re-evaluated every minute.
INSERT INTO alerts
SELECT card_id, 'velocity', window_start, window_end,
       COUNT(*), ROUND(SUM(amount), 2), COUNT(DISTINCT country)
FROM TABLE(HOP(TABLE transactions, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, card_id
HAVING COUNT(*) >= 5;

-- Spend: more than 2,000 spent on one card within five minutes (cashing out a stolen card).
INSERT INTO alerts
SELECT card_id, 'spend', window_start, window_end,
       COUNT(*), ROUND(SUM(amount), 2), COUNT(DISTINCT country)
FROM TABLE(HOP(TABLE transactions, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, card_id
HAVING SUM(amount) > 2000;

-- Geography: one card used in more than one country within the same ten minutes (a cloned card,
-- or impossible travel).
INSERT INTO alerts
SELECT card_id, 'geo', window_start, window_end,
       COUNT(*), ROUND(SUM(amount), 2), COUNT(DISTINCT country)
FROM TABLE(TUMBLE(TABLE transactions, DESCRIPTOR(ts), INTERVAL '10' MINUTE))
GROUP BY window_start, window_end, card_id
HAVING COUNT(DISTINCT country) > 1;
