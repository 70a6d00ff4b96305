-- Top pages: views of each page over the last 5 minutes, updated every 10 seconds (a hopping window).
-- Every page of each window comes out; which are the top ones is for the reader to sort (the console's
-- chart shows the busiest), as Eddy has no ORDER BY … LIMIT yet.
SELECT window_start, window_end, url, COUNT(*) AS views
FROM TABLE(HOP(TABLE demo_clickstream_events, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '5' MINUTE))
WHERE event_type = 'page_view'
GROUP BY window_start, window_end, url
