SELECT STREAM STEP(placed_at BY INTERVAL '15' MINUTE) AS quarter_hour, STEP(qty BY 5) AS qty_step, STEP(order_id BY 100) AS id_step,
  CHAR_TO_TIMESTAMP('yyyy-MM-dd HH:mm:ss', customer) AS parsed, TIMESTAMP_TO_CHAR('yyyy-MM-dd', placed_at) AS day,
  TSDIFF(ROWTIME, placed_at) AS lag_ms, MONOTONIC(order_id) AS id, TO_TIMESTAMP(order_id) AS from_ms
FROM orders
