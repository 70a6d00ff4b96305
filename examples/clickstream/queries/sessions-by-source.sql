-- Sessions by traffic source, and over all sources (ROLLUP), kept up to date as sessions close: how many,
-- by how many visitors, how many left after one page (bounces), pages and length per session (the
-- average, and the 90th percentile by APPROX_PERCENTILE), how many bought something and for how much.
-- A GROUP BY without a window is a changelog: new sessions update their source's row and the total's,
-- emitted together once a second (as a dashboard refreshes).
SELECT CASE WHEN GROUPING(source) = 1 THEN 'all' ELSE source END AS source,
       COUNT(*) AS sessions,
       COUNT(DISTINCT user_id) AS visitors,
       COUNT(*) FILTER (WHERE events = 1) AS bounces,
       ROUND(100.0 * COUNT(*) FILTER (WHERE events = 1) / COUNT(*), 1) AS bounce_pct,
       SUM(pages) AS pages,
       ROUND(AVG(CAST(pages AS DOUBLE)), 2) AS pages_per_session,
       SUM(duration_ms) AS duration_ms,
       ROUND(AVG(CAST(duration_ms AS DOUBLE)) / 1000, 1) AS avg_seconds,
       APPROX_PERCENTILE(duration_ms, 0.9) AS p90_ms,
       COUNT(*) FILTER (WHERE purchases > 0) AS converted,
       SUM(revenue) AS revenue
FROM demo_clickstream_sessions
GROUP BY ROLLUP (source)
EMIT CHANGES EVERY INTERVAL '1' SECOND
