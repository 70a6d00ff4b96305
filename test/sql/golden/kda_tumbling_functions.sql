-- Kinesis Data Analytics' COUNT_DISTINCT_ITEMS_TUMBLING and TOP_K_ITEMS_TUMBLING: a tumbling window on the cursor's ROWTIME, a HyperLogLog count and a window Top-N.
SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM orders), 'customer', 60));
SELECT STREAM * FROM TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM orders WHERE paid), 'customer', 3, 60))
