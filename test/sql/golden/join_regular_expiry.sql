-- A regular join whose condition bounds both sides in time, as Nexmark q4 and q9 join auctions and bids:
-- a bid can match only an auction that started at or before it, an auction only bids up to its expiry
-- (no time attribute), so an auction goes once the bids' watermark passes its expiry, and a bid once the
-- auctions' watermark passes the bid's time.
CREATE STREAM auctions (id BIGINT, starts TIMESTAMP, expires TIMESTAMP, WATERMARK FOR starts AS starts - INTERVAL '4' SECOND);
CREATE STREAM bids (auction BIGINT, price BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '4' SECOND);
EXPLAIN SELECT a.id, b.price FROM auctions a, bids b WHERE a.id = b.auction AND b.ts BETWEEN a.starts AND a.expires
