SELECT ABS(amount) AS a, ROUND(amount) AS r0, ROUND(amount, 2) AS r2, FLOOR(amount) AS f, CEIL(amount) AS c,
  POWER(amount, 2) AS p, SQRT(amount) AS sq, LN(amount) AS ln, MOD(qty, 2) AS m
FROM (SELECT amount, 7 AS qty FROM clicks) AS t
