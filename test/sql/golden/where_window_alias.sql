-- WHERE on the alias of a window function of its own select list (as Nexmark q6 is published) reads as
-- QUALIFY, since FROM has no column of that name; the rest of WHERE filters before the ranking.
SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount DESC) AS rownum
FROM clicks
WHERE rownum <= 1 AND url <> 'home'
