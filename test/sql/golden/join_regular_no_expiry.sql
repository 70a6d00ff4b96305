-- No bound in time a watermark can act on: orders have no WATERMARK (placed_at is no time attribute), so
-- nothing says a purchase can match no order still to come; each side's rows stay until the state bound.
-- And with an outer join in FROM, WHERE stays above the joins (under a LEFT JOIN it would mean another thing).
SELECT p.item, o.order_id
FROM purchases p JOIN orders o ON p.user_id = o.customer AND o.placed_at <= p.ts
LEFT JOIN clicks c ON c.user_id = p.user_id
WHERE c.ts >= p.ts
