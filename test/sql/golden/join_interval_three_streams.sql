-- Three streams: (clicks JOIN purchases) JOIN clicks again.
SELECT a.user_id, p.item, b.url AS next_url
FROM clicks a
JOIN purchases p ON a.user_id = p.user_id AND p.ts BETWEEN a.ts AND a.ts + INTERVAL '1' MINUTE
JOIN clicks b ON b.user_id = p.user_id AND b.ts BETWEEN p.ts AND p.ts + INTERVAL '1' MINUTE
