SELECT
  LOWER(url) AS l, UPPER(user_id) AS u,
  SUBSTRING(url FROM 2 FOR 3) AS s1, SUBSTRING(url, 2, 3) AS s2, SUBSTRING(url FROM 5) AS s3,
  TRIM(url) AS t1, TRIM(LEADING 'x' FROM url) AS t2, TRIM(TRAILING FROM url) AS t3, TRIM(BOTH 'ab' FROM url) AS t4,
  CHAR_LENGTH(url) AS len, REGEXP_LIKE(url, '^https?://') AS is_web
FROM clicks
