-- The Nexmark sources as Eddy streams: person, auction and bid, one JSON stream each, with the columns of
-- the published Flink views of the same names (https://github.com/nexmark/nexmark,
-- nexmark-flink/src/main/resources/queries/ddl_gen.sql and ddl_views.sql) and the same watermark, four
-- seconds behind the newest `dateTime`. Flink's Nexmark reads one `datagen` table with the three kinds as
-- nested ROW columns and derives the views from it; Eddy has no ROW type and no views, and a stream per
-- kind is what those views are, so the published queries read these streams unchanged.

CREATE STREAM person (
  id BIGINT,
  name VARCHAR,
  emailAddress VARCHAR,
  creditCard VARCHAR,
  city VARCHAR,
  state VARCHAR,
  dateTime TIMESTAMP,
  extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH (format = 'json');

CREATE STREAM auction (
  id BIGINT,
  itemName VARCHAR,
  description VARCHAR,
  initialBid BIGINT,
  reserve BIGINT,
  dateTime TIMESTAMP,
  expires TIMESTAMP,
  seller BIGINT,
  category BIGINT,
  extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH (format = 'json');

CREATE STREAM bid (
  auction BIGINT,
  bidder BIGINT,
  price BIGINT,
  channel VARCHAR,
  url VARCHAR,
  dateTime TIMESTAMP,
  extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH (format = 'json');
