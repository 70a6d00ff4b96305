SELECT COUNT(*) FILTER (WHERE SUM(amount) > 1) AS n FROM clicks
