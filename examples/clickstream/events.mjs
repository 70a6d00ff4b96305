// Events from a small online shop, as its page tag sends them: page views, add-to-cart and purchases,
// by visitors who arrive from search, ads, social posts, a newsletter or a typed-in address, read a few
// pages and leave, some after buying. Deterministic: the same seed and options give the same events, in
// the same order, on every machine.
//
// groundTruth() counts what the demo's queries compute, from the events alone and in plain JavaScript,
// so the demo can check Eddy's figures against figures that did not go through Eddy.

import { prng } from '../shared/eddy-demo.mjs';

export const DEFAULT_START = Date.parse('2025-01-06T09:00:00Z');

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** What the queries use, in one place: the SQL in queries/ says the same. */
export const WINDOWS = {
  /** Per visitor: a session ends when this long passes without an event (the SESSION window's gap). */
  sessionGapMs: 30 * MINUTE,
  /** Top pages: the first five of the last 5 minutes, every 10 seconds. */
  topPagesSlideMs: 10 * SECOND,
  topPagesSizeMs: 5 * MINUTE,
  topPagesPlaces: 5,
  /** The funnel: per minute. */
  funnelMs: MINUTE,
  /** Unique visitors so far this hour, every minute (CUMULATE: step, then size). */
  visitorsStepMs: MINUTE,
  visitorsSizeMs: 60 * MINUTE,
};

/** Send order differs from event order by up to this much; the watermark waits 5 s. */
const MAX_DISORDER_MS = 2 * SECOND;

const PRODUCTS = [
  ['trail-runner', 129],
  ['city-sneaker', 89],
  ['rain-jacket', 159],
  ['wool-socks', 14],
  ['day-pack', 69],
  ['water-bottle', 24],
];
const PRODUCT_PAGES = PRODUCTS.map(([p]) => `/products/${p}`);
const PRICE = new Map(PRODUCTS.map(([p, price]) => [p, price]));

/** [url, weight]: where a visitor goes next from any page. */
const NEXT_PAGE = [
  ['/', 8],
  ['/products', 12],
  ...PRODUCT_PAGES.map((url, i) => [url, 12 - i * 1.5]),
  ['/blog', 3],
  ['/blog/how-to-choose-running-shoes', 3],
  ['/blog/packing-for-a-rainy-weekend', 2],
  ['/about', 1],
  ['/shipping', 2],
];

/** Traffic sources: [source, weight, chance of leaving after one page, landing pages]. */
const SOURCES = [
  ['search', 40, 0.42, [['/', 2], ['/products', 2], ...PRODUCT_PAGES.map((u) => [u, 1]), ['/blog/how-to-choose-running-shoes', 2]]],
  ['direct', 18, 0.25, [['/', 1]]],
  ['ads', 16, 0.55, PRODUCT_PAGES.slice(0, 3).map((u) => [u, 1])],
  ['social', 14, 0.62, [['/blog/packing-for-a-rainy-weekend', 2], ['/blog/how-to-choose-running-shoes', 1], ['/products/rain-jacket', 1]]],
  ['newsletter', 12, 0.3, [['/products/rain-jacket', 2], ['/blog/packing-for-a-rainy-weekend', 1], ['/', 1]]],
];

/**
 * @param {{ seed?: number, start?: number, minutes?: number, count: number }} options `count` events in
 *   all over `minutes` minutes of event time from `start`.
 * @returns {{ events: object[], visits: number, visitors: number, startMs: number, endMs: number }}
 *   `events` in the order to send them (event time, up to 2 s out of order); `ms` beside each one's `ts`.
 */
export function generateEvents({ seed = 42, start = DEFAULT_START, minutes = 60, count }) {
  if (!(minutes >= 1)) throw new Error(`--minutes ${minutes}: at least one minute of events is needed`);
  if (!(count >= 100)) throw new Error(`${count} events are too few: send at least 100 (--rate x --duration)`);
  const random = prng(seed);
  const endMs = start + minutes * MINUTE;
  const span = endMs - start;
  // The newsletter goes out a third of the way in: its readers arrive over the next few minutes.
  const newsletterAt = start + Math.floor(span / 3);
  const sourceTable = SOURCES.map(([source, weight]) => [source, weight]);
  const bySource = new Map(SOURCES.map(([source, , bounce, landing]) => [source, { bounce, landing }]));

  const events = [];
  const users = [];
  let visits = 0;
  const visitStart = (source) => {
    if (source === 'newsletter') return Math.min(endMs - 1, newsletterAt + Math.floor(-Math.log(1 - random()) * 4 * MINUTE));
    // Busier in the middle of the period than at its ends, and never quite quiet.
    for (;;) {
      const ms = start + Math.floor(random() * span);
      const x = (ms - start) / span;
      if (random() < 0.5 + 0.5 * Math.sin(Math.PI * x)) return ms;
    }
  };

  while (events.length < count) {
    visits++;
    // A quarter of visits are by someone who came before.
    const returning = users.length > 0 && random() < 0.25;
    const user_id = returning ? random.pick(users) : `v-${String(users.length + 1).padStart(6, '0')}`;
    if (!returning) users.push(user_id);
    const source = random.weighted(sourceTable);
    const { bounce, landing } = bySource.get(source);
    let ms = visitStart(source);
    let url = random.weighted(landing);
    const cart = [];
    const emit = (event_type, at, extra = {}) => {
      if (at >= endMs || events.length >= count) return false;
      events.push({ user_id, event_type, url, product: extra.product ?? null, amount: extra.amount ?? null, source, ms: at });
      return true;
    };
    if (!emit('page_view', ms)) continue;
    if (random() < bounce) continue;
    for (let step = 0; step < 25; step++) {
      ms += random.int(4, 75) * SECOND + random.int(0, 999);
      if (url.startsWith('/products/') && random() < 0.24) {
        const product = url.slice('/products/'.length);
        if (!emit('add_to_cart', ms, { product })) break;
        cart.push(product);
        ms += random.int(3, 40) * SECOND + random.int(0, 999);
      }
      if (cart.length > 0 && random() < 0.4) {
        url = '/cart';
        if (!emit('page_view', ms)) break;
        ms += random.int(10, 60) * SECOND + random.int(0, 999);
        url = '/checkout';
        if (!emit('page_view', ms)) break;
        if (random() < 0.65) {
          ms += random.int(30, 180) * SECOND + random.int(0, 999);
          const amount = cart.reduce((sum, p) => sum + PRICE.get(p), 0);
          emit('purchase', ms, { amount });
        }
        break;
      }
      // Each further page is less likely than the one before.
      if (random() < 0.18 + step * 0.04) break;
      url = random.weighted(NEXT_PAGE);
      if (!emit('page_view', ms)) break;
    }
  }

  const sendOrder = events.map((e) => ({ e, key: e.ms + random() * MAX_DISORDER_MS })).sort((a, b) => a.key - b.key);
  return { events: sendOrder.map(({ e }) => e), visits, visitors: new Set(events.map((e) => e.user_id)).size, startMs: start, endMs };
}

/** What is sent for an event: everything but the generator's own `ms`. */
export function record(e) {
  return { user_id: e.user_id, event_type: e.event_type, url: e.url, product: e.product, amount: e.amount, source: e.source, ts: new Date(e.ms).toISOString() };
}

/**
 * After the last event, one heartbeat per shard dated past every window that holds events closes those
 * windows (a session closes 30 minutes after its last event; the watermark trails by 5 s).
 */
export function heartbeatFor(endMs) {
  const ms = endMs + WINDOWS.sessionGapMs + MINUTE;
  return { data: { user_id: 'heartbeat', event_type: 'heartbeat', url: null, product: null, amount: null, source: null, ts: new Date(ms).toISOString() }, watermarkMs: ms - 5 * SECOND };
}

const floorTo = (ms, size) => Math.floor(ms / size) * size;

/** SQL's PERCENTILE_DISC(q): the first value in order at which a fraction q of the values is reached. */
export function percentileDisc(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/**
 * Sessions as a SESSION window with a 30-minute gap makes them: each visitor's events in time order, a
 * new session whenever the next event is 30 minutes or more after the one before.
 */
export function sessionsOf(events) {
  const byUser = new Map();
  for (const e of events) {
    if (!byUser.has(e.user_id)) byUser.set(e.user_id, []);
    byUser.get(e.user_id).push(e);
  }
  const sessions = [];
  for (const [user_id, list] of byUser) {
    list.sort((a, b) => a.ms - b.ms);
    let s;
    for (const e of list) {
      if (!s || e.ms - s.last >= WINDOWS.sessionGapMs) {
        s = { user_id, source: e.source, events: 0, pages: 0, purchases: 0, revenue: 0, first: e.ms, last: e.ms };
        sessions.push(s);
      }
      s.events++;
      if (e.event_type === 'page_view') s.pages++;
      if (e.event_type === 'purchase') {
        s.purchases++;
        s.revenue += e.amount;
      }
      if (e.source < s.source) s.source = e.source;
      s.last = e.ms;
    }
  }
  return sessions;
}

/**
 * The figures the demo's queries compute, counted here from the events alone:
 *   perMinute   minute start (ms) → { visitors, page_views, viewed_product, added_to_cart, purchased }
 *   topPages    `${window start ms} ${url}` → { views, place } of the first five pages of each 5-minute
 *               window (a window every 10 s), by views and then URL
 *   visitors    `${window start ms} ${window end ms}` → distinct visitors in each cumulating window
 *               (the hour's first minute, its first two, …) that holds an event and ends by `closedBy`
 *   bySource    source, and 'all' → { sessions, visitors, bounces, pages, duration_ms, p90_ms, converted,
 *               revenue } where a session is as sessionsOf() makes it, its source the alphabetically first
 *               of its events' (as MIN(source) picks it), a bounce a session of one event, p90_ms the
 *               exact 90th percentile of the sessions' lengths (SQL's PERCENTILE_DISC)
 *   byType      event type → events
 * @param {object[]} events
 * @param {number} closedBy the watermark the windows are closed by
 */
export function groundTruth(events, closedBy) {
  const perMinute = new Map();
  const minute = (ms) => {
    const key = floorTo(ms, WINDOWS.funnelMs);
    if (!perMinute.has(key)) perMinute.set(key, { visitors: new Set(), page_views: 0, viewed_product: new Set(), added_to_cart: new Set(), purchased: new Set() });
    return perMinute.get(key);
  };
  const pageViews = new Map();
  const byType = new Map();
  const { topPagesSlideMs: slide, topPagesSizeMs: size } = WINDOWS;
  for (const e of events) {
    byType.set(e.event_type, (byType.get(e.event_type) ?? 0) + 1);
    const m = minute(e.ms);
    m.visitors.add(e.user_id);
    if (e.event_type === 'page_view') {
      m.page_views++;
      if (e.url.startsWith('/products/')) m.viewed_product.add(e.user_id);
      // Every hopping window that holds the view: starts from its own pane back to size - slide before it.
      for (let ws = floorTo(e.ms, slide); ws > e.ms - size; ws -= slide) {
        if (!pageViews.has(ws)) pageViews.set(ws, new Map());
        const views = pageViews.get(ws);
        views.set(e.url, (views.get(e.url) ?? 0) + 1);
      }
    }
    if (e.event_type === 'add_to_cart') m.added_to_cart.add(e.user_id);
    if (e.event_type === 'purchase') m.purchased.add(e.user_id);
  }
  const topPages = new Map();
  for (const [ws, views] of pageViews) {
    const ranked = [...views].sort(([ua, a], [ub, b]) => b - a || (ua < ub ? -1 : ua > ub ? 1 : 0)).slice(0, WINDOWS.topPagesPlaces);
    ranked.forEach(([url, n], i) => topPages.set(`${ws} ${url}`, { views: n, place: i + 1 }));
  }

  // Cumulating windows: each hour's first minute, first two minutes, … each counted once it has closed.
  const visitors = new Map();
  const hours = new Set(events.map((e) => floorTo(e.ms, WINDOWS.visitorsSizeMs)));
  for (const hour of hours) {
    const inHour = events.filter((e) => floorTo(e.ms, WINDOWS.visitorsSizeMs) === hour).sort((a, b) => a.ms - b.ms);
    const seen = new Set();
    let i = 0;
    for (let end = hour + WINDOWS.visitorsStepMs; end <= hour + WINDOWS.visitorsSizeMs && end <= closedBy; end += WINDOWS.visitorsStepMs) {
      while (i < inHour.length && inHour[i].ms < end) seen.add(inHour[i++].user_id);
      if (i > 0) visitors.set(`${hour} ${end}`, seen.size);
    }
  }

  const sessions = sessionsOf(events);
  const bySource = new Map();
  const add = (key, s) => {
    const t = bySource.get(key) ?? { sessions: 0, visitors: new Set(), bounces: 0, pages: 0, duration_ms: 0, durations: [], converted: 0, revenue: 0 };
    t.sessions++;
    t.durations.push(s.last - s.first);
    t.visitors.add(s.user_id);
    if (s.events === 1) t.bounces++;
    t.pages += s.pages;
    t.duration_ms += s.last - s.first;
    if (s.purchases > 0) t.converted++;
    t.revenue += s.revenue;
    bySource.set(key, t);
  };
  for (const s of sessions) {
    add(s.source, s);
    add('all', s);
  }
  const size_ = (set) => set.size;
  return {
    perMinute: new Map(
      [...perMinute].map(([k, m]) => [
        k,
        { visitors: size_(m.visitors), page_views: m.page_views, viewed_product: size_(m.viewed_product), added_to_cart: size_(m.added_to_cart), purchased: size_(m.purchased) },
      ]),
    ),
    topPages,
    visitors,
    bySource: new Map([...bySource].map(([k, { durations, ...t }]) => [k, { ...t, visitors: t.visitors.size, p90_ms: percentileDisc(durations, 0.9) }])),
    byType,
    sessions: sessions.length,
  };
}
