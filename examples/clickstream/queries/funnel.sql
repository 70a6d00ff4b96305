-- Each minute: unique visitors, page views, and the funnel from a product page to the cart to a
-- purchase, each step counted in distinct visitors (COUNT(DISTINCT …) FILTER (WHERE …) per step).
SELECT window_start, window_end,
       COUNT(DISTINCT user_id) AS visitors,
       COUNT(*) FILTER (WHERE event_type = 'page_view') AS page_views,
       COUNT(DISTINCT user_id) FILTER (WHERE event_type = 'page_view' AND url LIKE '/products/%') AS viewed_product,
       COUNT(DISTINCT user_id) FILTER (WHERE event_type = 'add_to_cart') AS added_to_cart,
       COUNT(DISTINCT user_id) FILTER (WHERE event_type = 'purchase') AS purchased
FROM TABLE(TUMBLE(TABLE demo_clickstream_events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end
