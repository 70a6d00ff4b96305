-- Kinesis Data Analytics: WINDOWED BY STAGGER is a window per partition key, opening at its first row; on ROWTIME unless a PARTITION BY item floors a WATERMARK column.
SELECT STREAM customer, COUNT(*) AS n FROM orders WINDOWED BY STAGGER (PARTITION BY customer RANGE INTERVAL '1' MINUTE);
SELECT STREAM ROWTIME, customer, FLOOR(placed_at TO MINUTE) AS placed_minute, SUM(total) AS spent FROM orders
  WHERE paid WINDOWED BY STAGGER (PARTITION BY FLOOR(placed_at TO MINUTE), customer RANGE INTERVAL '30' SECOND);
SELECT STREAM user_id, FLOOR(ts TO MINUTE) AS minute, COUNT(*) AS n FROM clicks WINDOWED BY STAGGER (PARTITION BY user_id, FLOOR(ts TO MINUTE) RANGE INTERVAL '1' MINUTE)
