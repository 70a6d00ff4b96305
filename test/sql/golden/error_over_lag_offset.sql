SELECT LAG(amount, -1) OVER (ORDER BY ts) FROM clicks
