-- Top pages: views of each page over the last 5 minutes, every 10 seconds (a hopping window), ranked in
-- each window with ROW_NUMBER and kept to the first five (a window Top-N: each window's five rows come
-- out once, when it closes). Pages with as many views rank by URL.
SELECT window_start, window_end, place, url, views FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY views DESC, url) AS place FROM (
    SELECT window_start, window_end, url, COUNT(*) AS views
    FROM TABLE(HOP(TABLE demo_clickstream_events, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '5' MINUTE))
    WHERE event_type = 'page_view'
    GROUP BY window_start, window_end, url))
WHERE place <= 5
