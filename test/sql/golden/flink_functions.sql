-- Flink's built-in functions as real queries write them, and the engine functions they become.
SELECT
  DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm') AS minute_text,
  TO_TIMESTAMP(url, 'yyyyMMdd') AS parsed,
  TIMESTAMPADD(DAY, 1, ts) AS tomorrow,
  TIMESTAMPDIFF(MINUTE, ts, CURRENT_TIMESTAMP) AS age_minutes,
  DAYOFWEEK(ts) AS dow,
  REGEXP_EXTRACT(url, '^/([a-z]+)', 1) AS section,
  SPLIT_INDEX(url, '/', 1) AS first_part,
  POSITION('?' IN url) AS query_at,
  IF(amount > 10, 'big', 'small') AS size,
  NULLIF(user_id, '') AS user_or_null,
  IFNULL(amount, 0) AS amount_or_zero,
  GREATEST(amount, 1) AS at_least_one,
  LPAD(user_id, 8, '0') AS padded,
  MD5(user_id) AS digest,
  JSON_VALUE(url, '$.a') AS a
FROM clicks
WHERE REGEXP(url, '^/') AND UNIX_TIMESTAMP(ts) > 0
