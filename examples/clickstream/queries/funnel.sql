-- Each minute: unique visitors, page views, and the funnel from a product page to the cart to a
-- purchase, each step counted in distinct visitors (COUNT(DISTINCT …) of a CASE that is NULL for the
-- other events).
SELECT window_start, window_end,
       COUNT(DISTINCT user_id) AS visitors,
       SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS page_views,
       COUNT(DISTINCT CASE WHEN event_type = 'page_view' AND url LIKE '/products/%' THEN user_id END) AS viewed_product,
       COUNT(DISTINCT CASE WHEN event_type = 'add_to_cart' THEN user_id END) AS added_to_cart,
       COUNT(DISTINCT CASE WHEN event_type = 'purchase' THEN user_id END) AS purchased
FROM TABLE(TUMBLE(TABLE demo_clickstream_events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end
