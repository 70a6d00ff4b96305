CREATE STREAM big_orders WITH (shards = 1) AS SELECT order_id, total FROM orders WHERE total > 1000;
SELECT * FROM big_orders
