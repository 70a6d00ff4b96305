// Page views of a small product website: visitors arrive from search, social or a newsletter, read a
// few pages and leave. Deterministic: the same seed and options give the same clicks, in the same order.

import { prng } from '../shared/eddy-demo.mjs';

export const DEFAULT_START = Date.parse('2025-01-06T09:00:00Z');

/** [url, weight]: how often a page is the next one a visitor opens. */
const PAGES = [
  ['/', 14],
  ['/pricing', 9],
  ['/products', 10],
  ['/products/eddy-cloud', 7],
  ['/products/eddy-edge', 5],
  ['/docs', 8],
  ['/docs/quickstart', 6],
  ['/blog', 4],
  ['/blog/streaming-sql', 5],
  ['/signup', 3],
  ['/cart', 3],
  ['/checkout', 2],
];
/** Where a visit comes from; null is a typed-in address or a bookmark. */
const REFERRERS = [
  ['https://www.google.com/', 10],
  ['https://duckduckgo.com/', 2],
  ['https://news.ycombinator.com/', 3],
  ['https://twitter.com/', 2],
  ['https://newsletter.example.com/', 2],
  [null, 5],
];
/** Most visits start at the home page, the pricing page or a blog post. */
const LANDING = [
  ['/', 10],
  ['/pricing', 3],
  ['/blog/streaming-sql', 3],
  ['/docs/quickstart', 2],
];

const SITE = 'https://eddy.example.com';
/** Send order differs from event order by up to this much (the watermark allows 5 s). */
const MAX_DISORDER_MS = 2000;

function weighted(random, table) {
  const total = table.reduce((n, [, w]) => n + w, 0);
  let r = random() * total;
  for (const [value, w] of table) {
    r -= w;
    if (r < 0) return value;
  }
  return table[table.length - 1][0];
}

/**
 * @returns {{ clicks: object[], startMs: number, endMs: number }} `clicks` in the order to send them
 *   (event time with a little disorder). Every click's `ts` lies in [start, start + minutes).
 */
export function generateClicks({ seed = 42, start = DEFAULT_START, minutes = 10, users = 200 } = {}) {
  if (minutes < 1) throw new Error(`--minutes ${minutes}: at least one minute of clicks is needed`);
  const random = prng(seed);
  const endMs = start + minutes * 60_000;
  const views = [];
  for (let u = 0; u < users; u++) {
    const user_id = `u-${String(1 + u).padStart(4, '0')}`;
    // One or two visits each, anywhere in the period; a visit is a short walk through the site.
    const visits = random() < 0.3 ? 2 : 1;
    for (let v = 0; v < visits; v++) {
      let ms = start + Math.floor(random() * (endMs - start));
      let url = weighted(random, LANDING);
      let referrer = weighted(random, REFERRERS);
      const pages = random.int(1, 7);
      for (let p = 0; p < pages && ms < endMs; p++) {
        const next = ms + random.int(4, 90) * 1000 + random.int(0, 999);
        views.push({ user_id, url, referrer, duration_ms: Math.min(next, endMs) - ms, ms });
        referrer = SITE + url;
        url = weighted(random, PAGES);
        ms = next;
      }
    }
  }
  const sendOrder = views.map((e) => ({ e, key: e.ms + random() * MAX_DISORDER_MS })).sort((a, b) => a.key - b.key);
  const clicks = sendOrder.map(({ e }) => ({ user_id: e.user_id, url: e.url, referrer: e.referrer, duration_ms: e.duration_ms, ts: new Date(e.ms).toISOString() }));
  return { clicks, startMs: start, endMs };
}

/**
 * One heartbeat per shard, dated past every window that holds clicks (the longest is five minutes;
 * the watermark trails by five seconds), closes those windows at the end of a bounded run.
 */
export function heartbeatFor(endMs) {
  const ms = endMs + 6 * 60_000;
  return { record: { user_id: 'heartbeat', url: 'heartbeat', referrer: null, duration_ms: 0, ts: new Date(ms).toISOString() }, watermarkMs: ms - 5000 };
}
