SELECT 'x''); process.exit(1); //' AS "a""b`${c}`", UPPER('\u0041' || url) AS "*/ evil /*"
FROM clicks
WHERE url = '${1}' OR url LIKE '%'')%' OR REGEXP_LIKE(url, '\d+`')
