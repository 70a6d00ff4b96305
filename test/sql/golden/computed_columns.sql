-- Computed columns: values the records do not hold, computed from the others as batches are decoded.
-- PROCTIME() is processing time: windows over it close by the query's clock.
CREATE STREAM bids (
  auction BIGINT,
  price_cents BIGINT,
  epoch_seconds BIGINT,
  price AS price_cents / 100.0,
  `dateTime` AS TO_TIMESTAMP_LTZ(epoch_seconds, 0),
  p_time AS PROCTIME(),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
);
SELECT auction, price FROM bids WHERE price > 10;
SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(p_time), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;
SELECT window_start, MAX(price) AS top FROM TABLE(HOP(TABLE bids, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end;
SELECT TUMBLE_START(p_time, INTERVAL '1' MINUTE) AS minute, SUM(price) AS total FROM bids GROUP BY TUMBLE(p_time, INTERVAL '1' MINUTE);
-- CSV fields count only the columns records hold; INSERT INTO writes only those.
CREATE STREAM lines (a VARCHAR, b_len AS CHAR_LENGTH(b), b VARCHAR) WITH (format = 'csv');
SELECT b_len, b FROM lines;
CREATE STREAM visits (who VARCHAR, page VARCHAR, page_length AS CHAR_LENGTH(page));
INSERT INTO visits SELECT user_id, url FROM clicks
