-- Sessions by traffic source, kept up to date as sessions close: how many, by how many visitors, how
-- many left after one page (bounces), pages and length per session, and how many bought something.
SELECT source,
       COUNT(*) AS sessions,
       COUNT(DISTINCT user_id) AS visitors,
       SUM(CASE WHEN events = 1 THEN 1 ELSE 0 END) AS bounces,
       ROUND(100 * SUM(CASE WHEN events = 1 THEN 1 ELSE 0 END) / COUNT(*), 1) AS bounce_pct,
       SUM(pages) AS pages,
       ROUND(AVG(CAST(pages AS DOUBLE)), 2) AS pages_per_session,
       SUM(duration_ms) AS duration_ms,
       ROUND(AVG(CAST(duration_ms AS DOUBLE)) / 1000, 1) AS avg_seconds,
       SUM(CASE WHEN purchases > 0 THEN 1 ELSE 0 END) AS converted
FROM demo_clickstream_sessions
GROUP BY source
