SELECT APPROX_PERCENTILE(amount, amount) AS p FROM clicks
