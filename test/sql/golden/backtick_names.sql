-- Flink SQL quotes names with backticks (every Nexmark query does); they match exactly, as "quoted" names.
SELECT `window`, `events`.`value` AS `select`, `key` AS `a``b`
FROM `events` WHERE `timestamp` > TIMESTAMP '2024-01-01 00:00:00';

CREATE STREAM `bids` (`auction` BIGINT, `dateTime` TIMESTAMP, WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND);
SELECT `dateTime`, auction FROM bids
