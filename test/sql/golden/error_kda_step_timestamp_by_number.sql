SELECT STREAM STEP(placed_at BY 10) AS s FROM orders
