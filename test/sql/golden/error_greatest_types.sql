SELECT GREATEST(amount, url) FROM clicks
