-- A plain column before ROLLUP is in every set, and ROLLUP over a list keeps the list together.
SELECT user_id, url, amount, COUNT(*) AS n FROM clicks GROUP BY user_id, ROLLUP ((url, amount));

-- A parenthesized expression is one column, and a list in parentheses is the plain GROUP BY.
SELECT (amount + 1) AS a1, COUNT(*) AS n FROM clicks GROUP BY (amount + 1);

SELECT user_id, url, COUNT(*) AS n FROM clicks GROUP BY (user_id, url);

-- GROUPING of a plain GROUP BY is 0.
SELECT user_id, GROUPING(user_id) AS g FROM clicks GROUP BY user_id
