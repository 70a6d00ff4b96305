// DuckDB's counterpart of each published Nexmark query that DuckDB can express, over tables person,
// auction and bid holding the same events as Eddy's streams (and views person_events, auction_events and
// bid_events without the later events that close the windows: what windowed queries emit). Each answers
// with the columns of the query's result stream, named as its CREATE STREAM names them. They are written
// before Eddy runs the query: queries.test.ts checks a query against its counterpart once it runs.
import type { NexmarkStream } from '../../../bench/nexmark/records.js';
import { CLOCK_START_MS } from './nexmark-harness.js';

/** The start of the epoch-aligned window of `ms` milliseconds holding a TIMESTAMP. */
function windowStart(column: string, ms: number): string {
  return `epoch_ms(epoch_ms(${column}) // ${ms} * ${ms})`;
}

/** The counts of q15 and q16: bids, bidders and auctions, in all and in three price ranks. */
const RANKED = ['count(*)', 'count(DISTINCT bidder)', 'count(DISTINCT auction)']
  .flatMap((agg, i) => {
    const what = ['bids', 'bidders', 'auctions'][i]!;
    return [
      `${agg} AS total_${what}`,
      `${agg} FILTER (WHERE price < 10000) AS rank1_${what}`,
      `${agg} FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_${what}`,
      `${agg} FILTER (WHERE price >= 1000000) AS rank3_${what}`,
    ];
  })
  .join(', ');

export interface Oracle {
  /** The streams the query reads, one per source (a stream read twice is listed twice): it is done when it has read all of their records. */
  readonly inputs: readonly NexmarkStream[];
  /** The same question in DuckDB's SQL over tables person, auction and bid; columns named as the result stream's. */
  readonly sql: string;
  /** Windows on processing time: the harness's clock moves on once the input is read, to close them. */
  readonly processingTime?: true;
}

export const ORACLES: Record<string, Oracle> = {
  q0: { inputs: ['bid'], sql: 'SELECT auction, bidder, price, "dateTime", extra FROM bid' },
  // 0.908 * price is exact in both: DuckDB's DECIMAL(23, 3), as the published result table declares it.
  q1: { inputs: ['bid'], sql: 'SELECT auction, bidder, 0.908 * price AS price, "dateTime", extra FROM bid' },
  q2: { inputs: ['bid'], sql: 'SELECT auction, price FROM bid WHERE auction % 123 = 0' },
  q3: {
    inputs: ['auction', 'person'],
    sql: `SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
          WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`,
  },
  // Q.final is AVG over BIGINT into a BIGINT column, as Flink writes it: the mean truncated.
  q4: {
    inputs: ['auction', 'bid'],
    sql: `SELECT category AS id, CAST(trunc(avg(final)) AS BIGINT) AS final FROM (
            SELECT max(B.price) AS final, A.category FROM auction A JOIN bid B
            ON A.id = B.auction AND B."dateTime" BETWEEN A."dateTime" AND A.expires GROUP BY A.id, A.category)
          GROUP BY category`,
  },
  // Hopping windows of 10 s every 2 s; in each, the auctions with the most bids.
  q5: {
    inputs: ['bid', 'bid'],
    sql: `WITH w AS (
            SELECT auction, ws AS starttime, count(*) AS num FROM (
              SELECT auction, unnest(generate_series(${windowStart('"dateTime"', 2000)} - INTERVAL 8 SECOND, ${windowStart('"dateTime"', 2000)}, INTERVAL 2 SECOND)) AS ws
              FROM bid_events)
            GROUP BY ALL)
          SELECT w.auction, w.num FROM w JOIN (SELECT starttime, max(num) AS maxn FROM w GROUP BY ALL) m USING (starttime) WHERE w.num >= m.maxn`,
  },
  // Each auction's highest bid within its lifetime, then per seller the truncated mean of that auction's
  // and the 10 before it, by the winning bid's time: the final rows of Eddy's changelog. (The generated
  // events give no auction two highest bids of one price, nor a seller two winning bids of one time,
  // which the query would leave to arrival order.)
  q6: {
    inputs: ['auction', 'bid'],
    sql: `SELECT seller, CAST(trunc(avg(price) OVER (PARTITION BY seller ORDER BY "dateTime" ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)) AS BIGINT) AS avg_price FROM (
            SELECT A.seller, B.price, B."dateTime", row_number() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum
            FROM auction A JOIN bid B ON A.id = B.auction AND B."dateTime" BETWEEN A."dateTime" AND A.expires)
          WHERE rownum <= 1`,
  },
  // The published SELECT puts price before bidder, and INSERT INTO takes columns by position.
  q7: {
    inputs: ['bid', 'bid'],
    sql: `SELECT B.auction, B.price AS bidder, B.bidder AS price, B."dateTime", B.extra FROM bid B
          JOIN (SELECT max(price) AS maxprice, ${windowStart('"dateTime"', 10_000)} + INTERVAL 10 SECOND AS "dateTime" FROM bid_events GROUP BY ALL) B1
          ON B.price = B1.maxprice WHERE B."dateTime" BETWEEN B1."dateTime" - INTERVAL 10 SECOND AND B1."dateTime"`,
  },
  q8: {
    inputs: ['person', 'auction'],
    sql: `WITH P AS (SELECT DISTINCT id, name, ${windowStart('"dateTime"', 10_000)} AS starttime FROM person_events),
               A AS (SELECT DISTINCT seller, ${windowStart('"dateTime"', 10_000)} AS starttime FROM auction_events)
          SELECT P.id, P.name, P.starttime AS stime FROM P JOIN A ON P.id = A.seller AND P.starttime = A.starttime`,
  },
  q9: {
    inputs: ['auction', 'bid'],
    sql: `SELECT id, itemName, description, initialBid, reserve, "dateTime", expires, seller, category, extra,
                 auction, bidder, price, bid_dateTime, bid_extra FROM (
            SELECT A.*, B.auction, B.bidder, B.price, B."dateTime" AS bid_dateTime, B.extra AS bid_extra,
                   row_number() OVER (PARTITION BY A.id ORDER BY B.price DESC, B."dateTime" ASC) AS rownum
            FROM auction A JOIN bid B ON A.id = B.auction AND B."dateTime" BETWEEN A."dateTime" AND A.expires)
          WHERE rownum <= 1`,
  },
  q10: {
    inputs: ['bid'],
    sql: `SELECT auction, bidder, price, "dateTime", extra, strftime("dateTime", '%Y-%m-%d') AS dt, strftime("dateTime", '%H:%M') AS hm FROM bid`,
  },
  // Sessions of each bidder's bids with gaps under 10 s; a session ends 10 s after its last bid.
  q11: {
    inputs: ['bid'],
    sql: `WITH o AS (SELECT bidder, "dateTime" AS t,
                       CASE WHEN "dateTime" - lag("dateTime") OVER (PARTITION BY bidder ORDER BY "dateTime") < INTERVAL 10 SECOND THEN 0 ELSE 1 END AS first
                     FROM bid_events),
               s AS (SELECT bidder, t, sum(first) OVER (PARTITION BY bidder ORDER BY t ROWS UNBOUNDED PRECEDING) AS session FROM o)
          SELECT bidder, count(*) AS bid_count, min(t) AS starttime, max(t) + INTERVAL 10 SECOND AS endtime FROM s GROUP BY bidder, session`,
  },
  // count_char counts a character: DuckDB counts it as the length it takes away.
  q14: {
    inputs: ['bid'],
    sql: `SELECT auction, bidder, 0.908::DOUBLE * price AS price,
                 CASE WHEN hour("dateTime") >= 8 AND hour("dateTime") <= 18 THEN 'dayTime'
                      WHEN hour("dateTime") <= 6 OR hour("dateTime") >= 20 THEN 'nightTime'
                      ELSE 'otherTime' END AS "bidTimeType",
                 "dateTime", extra, length(extra) - length(replace(extra, 'c', '')) AS c_counts
          FROM bid WHERE 0.908::DOUBLE * price > 1000000 AND 0.908::DOUBLE * price < 50000000`,
  },
  // Every row is processed at the harness's clock, which stands still while the query reads: all bids
  // fall in the one ten-second window of processing time holding that instant.
  q12: {
    inputs: ['bid'],
    processingTime: true,
    sql: `SELECT bidder, count(*) AS bid_count, ${windowStart(`TIMESTAMP '${new Date(CLOCK_START_MS).toISOString().slice(0, -1)}'`, 10_000)} AS starttime,
                 ${windowStart(`TIMESTAMP '${new Date(CLOCK_START_MS).toISOString().slice(0, -1)}'`, 10_000)} + INTERVAL 10 SECOND AS endtime
          FROM bid GROUP BY bidder`,
  },
  // The side input holds key,key for the keys 0 … 9,999: each bid meets the one row of auction % 10000.
  q13: {
    inputs: ['bid'],
    sql: `SELECT auction, bidder, price, "dateTime", CAST(auction % 10000 AS VARCHAR) AS "value" FROM bid`,
  },
  q15: { inputs: ['bid'], sql: `SELECT strftime("dateTime", '%Y-%m-%d') AS "day", ${RANKED} FROM bid GROUP BY 1` },
  q16: {
    inputs: ['bid'],
    sql: `SELECT channel, strftime("dateTime", '%Y-%m-%d') AS "day", max(strftime("dateTime", '%H:%M')) AS "minute", ${RANKED}
          FROM bid GROUP BY 1, 2`,
  },
  // AVG of BIGINT is a BIGINT in Flink and Eddy, the mean truncated; DuckDB's avg is a DOUBLE.
  q17: {
    inputs: ['bid'],
    sql: `SELECT auction, strftime("dateTime", '%Y-%m-%d') AS "day", count(*) AS total_bids,
                 count(*) FILTER (WHERE price < 10000) AS rank1_bids,
                 count(*) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_bids,
                 count(*) FILTER (WHERE price >= 1000000) AS rank3_bids,
                 min(price) AS min_price, max(price) AS max_price, CAST(trunc(avg(price)) AS BIGINT) AS avg_price, sum(price) AS sum_price
          FROM bid GROUP BY 1, 2`,
  },
  // Ordered by event time, so a bidder's last bid on an auction is known once the watermark passes it:
  // the closing bids are not.
  q18: {
    inputs: ['bid'],
    sql: `SELECT auction, bidder, price, channel, url, "dateTime", extra FROM (
            SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY "dateTime" DESC) AS rank_number FROM bid_events)
          WHERE rank_number <= 1`,
  },
  q19: {
    inputs: ['bid'],
    sql: `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid) WHERE rank_number <= 10`,
  },
  q20: {
    inputs: ['bid', 'auction'],
    sql: `SELECT auction, bidder, price, channel, url, B."dateTime" AS bid_dateTime, B.extra AS bid_extra,
                 itemName, description, initialBid, reserve, A."dateTime" AS auction_dateTime, expires, seller, category, A.extra AS auction_extra
          FROM bid B JOIN auction A ON B.auction = A.id WHERE A.category = 10`,
  },
  // DuckDB's regexp_extract gives '' where Flink's REGEXP_EXTRACT gives NULL.
  q21: {
    inputs: ['bid'],
    sql: `SELECT auction, bidder, price, channel,
                 CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1'
                      WHEN lower(channel) = 'facebook' THEN '2' WHEN lower(channel) = 'baidu' THEN '3'
                      ELSE nullif(regexp_extract(url, '(&|^)channel_id=([^&]*)', 2), '') END AS channel_id
          FROM bid WHERE nullif(regexp_extract(url, '(&|^)channel_id=([^&]*)', 2), '') IS NOT NULL
                      OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`,
  },
  // SPLIT_INDEX counts from 0, split_part from 1.
  q22: {
    inputs: ['bid'],
    sql: `SELECT auction, bidder, price, channel, split_part(url, '/', 4) AS dir1, split_part(url, '/', 5) AS dir2, split_part(url, '/', 6) AS dir3 FROM bid`,
  },
};
