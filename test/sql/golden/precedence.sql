SELECT 1 + 2 * 3 - -4 AS arith, (1 + 2) * 3 AS parens, 'a' || 'b' || 'c' AS cat
FROM orders WHERE NOT paid AND qty > 1 OR total < 2 AND NOT qty = 3
