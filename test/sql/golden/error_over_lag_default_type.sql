SELECT LAG(amount, 1, 'none') OVER (ORDER BY ts) FROM clicks
