// Card transactions over days of event time, as a card issuer sees them, with fraud planted among them
// and every transaction labelled. Deterministic: the same seed and options give the same transactions,
// in the same order, on every machine.
//
// Normal spending: thousands of cards, each with a home city, a spending level (and a credit limit in
// proportion), how often it is used and how much of that is online, and the device enrolled for its
// online payments; merchants by category in 18 cities on five continents and online; a
// daily rhythm in each card's own time zone (quiet at night, busy at lunch and in the evening); a few
// cardholders who travel (by plane, so never faster than one could), some who now and then buy something
// far above their usual, households that share a device. None of it is shaped to keep clear of the rules:
// where a rule flags honest spending, precision says so.
//
// Planted fraud, each instance labelled with its pattern:
//   card_testing       6-10 online charges under 5.00 on one card, 15-75 s apart, from the tester's device
//   velocity           6-8 purchases of 60-450 at tills in the card's city, under two minutes apart
//   spend_spike        one purchase of 15-30 times the card's average (at least 500)
//   impossible_travel  a purchase at home, then one 20-50 minutes later at a till 3,000+ km away
//   device_cards       5-8 stolen cards used online from one device within 25 minutes

import { prng } from '../shared/eddy-demo.mjs';

export const DEFAULT_START = Date.parse('2025-01-06T00:00:00Z');

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The patterns, in the order the summary lists them, with the rule written to catch each. */
export const PATTERNS = [
  { pattern: 'card_testing', rule: 'card_testing', what: 'card testing: tiny online charges' },
  { pattern: 'velocity', rule: 'velocity', what: 'a spree of purchases minutes apart' },
  { pattern: 'spend_spike', rule: 'spend_spike', what: "a purchase far above the card's average" },
  { pattern: 'impossible_travel', rule: 'impossible_travel', what: 'tills too far apart too soon' },
  { pattern: 'device_cards', rule: 'device_cards', what: 'many cards from one device' },
  // A second rule for spend spikes, learnt rather than written: the instances stay spend_spike's (the
  // first rule of a pattern is the one written for it), and the demo scores this one on them too.
  { pattern: 'spend_spike', rule: 'anomaly_score', what: "a purchase the forest isolates from the card's usual" },
];

/** [city, country, lat, lon, UTC offset in hours, weight as a home city] */
const CITIES = [
  ['New York', 'US', 40.71, -74.01, -5, 9],
  ['Chicago', 'US', 41.88, -87.63, -6, 5],
  ['San Francisco', 'US', 37.77, -122.42, -8, 5],
  ['Austin', 'US', 30.27, -97.74, -6, 3],
  ['Toronto', 'CA', 43.65, -79.38, -5, 4],
  ['Mexico City', 'MX', 19.43, -99.13, -6, 3],
  ['São Paulo', 'BR', -23.55, -46.63, -3, 4],
  ['London', 'GB', 51.51, -0.13, 0, 8],
  ['Manchester', 'GB', 53.48, -2.24, 0, 3],
  ['Paris', 'FR', 48.86, 2.35, 1, 6],
  ['Lyon', 'FR', 45.76, 4.84, 1, 2],
  ['Berlin', 'DE', 52.52, 13.4, 1, 5],
  ['Munich', 'DE', 48.14, 11.58, 1, 3],
  ['Madrid', 'ES', 40.42, -3.7, 1, 4],
  ['Mumbai', 'IN', 19.08, 72.88, 5.5, 4],
  ['Singapore', 'SG', 1.35, 103.82, 8, 3],
  ['Tokyo', 'JP', 35.68, 139.69, 9, 5],
  ['Sydney', 'AU', -33.87, 151.21, 11, 4],
].map(([name, country, lat, lon, offset, weight]) => ({ name, country, lat, lon, offset, weight }));

/** How busy tills are at each local hour, and online shopping (which runs later into the evening). */
const POS_RHYTHM = [2, 1, 1, 1, 1, 2, 5, 10, 14, 14, 15, 17, 22, 18, 14, 14, 15, 18, 20, 17, 12, 8, 5, 3];
const ONLINE_RHYTHM = [4, 2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 12, 11, 10, 10, 11, 13, 16, 19, 21, 19, 13, 7];

/** [category, weight, median amount, merchants per city, brands] */
const POS_CATEGORIES = [
  ['grocery', 30, 42, 4, ['FreshMart', 'GreenGrocer', 'DailyFoods', 'Market Hall', 'Corner Store']],
  ['restaurant', 18, 34, 4, ['Bistro 21', 'Noodle House', 'The Grill', 'Trattoria Sole', 'Taco Stand']],
  ['coffee', 14, 5.5, 3, ['City Coffee', 'Bean There', 'Morning Cup']],
  ['fuel', 9, 55, 2, ['Metro Fuel', 'Highway Gas']],
  ['pharmacy', 8, 21, 2, ['PharmaPlus', 'Health Corner']],
  ['transport', 7, 11, 1, ['Metro Transit']],
  ['clothing', 8, 68, 2, ['Urban Threads', 'Style Co']],
  ['electronics', 2, 140, 2, ['ElectroMax', 'GadgetHub']],
  ['jewelry', 1, 220, 1, ['Luxe Jewelers']],
  ['hotel', 2, 170, 1, ['Grand Hotel']],
];
/** [category, weight, median amount, merchants, names] */
const ONLINE_CATEGORIES = [
  ['marketplace', 30, 36, 4, ['ShopAll', 'MegaMart Online', 'BuyNow', 'QuickShop']],
  ['streaming', 8, 12, 3, ['StreamFlix', 'TuneBox', 'ViewPlus']],
  ['app store', 10, 3.5, 2, ['AppWorld', 'PlayShelf']],
  ['food delivery', 14, 28, 2, ['DeliverEat', 'FoodDash']],
  ['travel', 4, 240, 2, ['FlyFast', 'StayWell']],
  ['electronics', 5, 150, 2, ['GadgetHub Online', 'ElectroMax Online']],
  ['ride hailing', 12, 17, 2, ['RideNow', 'GoCab']],
];
/** Where card testers try numbers: charges of cents to a few units go unnoticed there. */
const TESTING_MERCHANTS = ['giftcard-hub.example', 'donate-now.example', 'topup-world.example'];

const round2 = (x) => Math.round(x * 100) / 100;

/** A card's credit limit: in proportion to how much its holder spends, in hundreds, 500 to 20,000. */
const creditLimit = (level) => Math.min(20_000, Math.max(500, Math.round(level * 25) * 100));

/** Great-circle distance in km. */
export function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/**
 * @param {{ seed?: number, start?: number, days?: number, count: number, frauds?: number }} options
 *   `count` transactions in all (normal and fraudulent) over `days` days from `start`; `frauds`
 *   instances of each pattern.
 * @returns {{ transactions: object[], instances: object[], cards: object[], merchants: number, startMs: number, endMs: number }}
 *   `transactions` in the order to send them (event time, up to 20 s out of order), each with `label`
 *   and `instance` (null for normal spending) beside the fields that are sent; `instances` the planted
 *   frauds: pattern, rule meant to catch it, a description and its transactions' ids; `cards` what the
 *   issuer knows of each card, the rows of the reference table (see cardsCsv).
 */
export function generateTransactions({ seed = 42, start = DEFAULT_START, days = 2, count, frauds = 4 }) {
  if (!(days > 0)) throw new Error(`--days ${days}: at least part of a day of event time is needed`);
  const random = prng(seed);
  const endMs = start + days * DAY;
  const fraudBudget = frauds * 40;
  if (count < fraudBudget + 500) throw new Error(`${count} transactions are too few for ${frauds} frauds of each pattern: send at least ${fraudBudget + 500} (--rate x --duration)`);

  // Merchants: each city has its own shops; online merchants serve everyone.
  const merchants = [];
  const addMerchant = (name, category, channel, city) => {
    const m = { id: `m-${String(merchants.length + 1).padStart(4, '0')}`, name, category, channel, city };
    merchants.push(m);
    return m;
  };
  const posMerchants = new Map();
  for (const city of CITIES) {
    const byCategory = new Map();
    for (const [category, , , perCity, brands] of POS_CATEGORIES) {
      byCategory.set(category, Array.from({ length: perCity }, (_v, i) => addMerchant(`${brands[i % brands.length]} ${city.name}`, category, 'pos', city)));
    }
    posMerchants.set(city.name, byCategory);
  }
  const onlineMerchants = new Map(ONLINE_CATEGORIES.map(([category, , , n, names]) => [category, Array.from({ length: n }, (_v, i) => addMerchant(names[i % names.length], category, 'online', undefined))]));
  const testingMerchants = TESTING_MERCHANTS.map((name) => addMerchant(name, 'digital goods', 'online', undefined));
  const posMedian = new Map(POS_CATEGORIES.map(([c, , median]) => [c, median]));
  const onlineMedian = new Map(ONLINE_CATEGORIES.map(([c, , median]) => [c, median]));

  // Cards: about two transactions a day on average, some far busier than others.
  const normalCount = count - fraudBudget;
  const cardCount = Math.max(300, Math.round(normalCount / (2 * days)));
  const homeTable = CITIES.map((c) => [c, c.weight]);
  const cards = [];
  for (let i = 0; i < cardCount; i++) {
    const home = random.weighted(homeTable);
    const card = {
      id: `card-${String(i + 1).padStart(6, '0')}`,
      home,
      level: random.logNormal(1, 0.45),
      activity: Math.min(12, Math.max(0.2, random.logNormal(1.6, 0.7))),
      online: 0.1 + 0.4 * random(),
      device: undefined,
      trip: undefined,
      normal: [],
    };
    // Households share a device: now and then a card uses the device of the card before it.
    const previous = cards[cards.length - 1];
    const sharing = previous && previous.home === home && previous.deviceUsers < 3 && random() < 0.15;
    card.device = sharing ? previous.device : `dev-${(0x100000 + Math.floor(random() * 0xeffff0)).toString(16)}`;
    card.deviceUsers = sharing ? previous.deviceUsers + 1 : 1;
    if (sharing) previous.deviceUsers = card.deviceUsers;
    // Two in a hundred cardholders fly somewhere during the period; no till sees them during the flight.
    if (random() < 0.02 && days >= 1) {
      const to = random.weighted(homeTable.filter(([c]) => c.country !== home.country));
      const flightMs = Math.max(2 * HOUR, (distanceKm(home, to) / 750) * HOUR + 1.5 * HOUR);
      const departs = start + 6 * HOUR + random() * Math.max(0, endMs - start - 18 * HOUR);
      card.trip = { to, departs, lands: departs + flightMs };
    }
    cards.push(card);
  }

  // Normal spending, card by card in proportion to how busy each card is.
  const cumulative = [];
  let total = 0;
  for (const c of cards) cumulative.push((total += c.activity));
  const pickCard = () => {
    const r = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return cards[lo];
  };
  const localTime = (card, rhythm) => {
    const day = Math.floor(random() * days);
    const hour = random.weighted(rhythm.map((w, h) => [h, w]));
    let ms = start + day * DAY + (hour - card.home.offset) * HOUR + Math.floor(random() * HOUR);
    // Time zones push some of the first and last day outside the period: those wrap round.
    const span = endMs - start;
    ms = start + ((((ms - start) % span) + span) % span);
    return ms;
  };
  const events = [];
  const posCategoryTable = POS_CATEGORIES.map(([c, w]) => [c, w]);
  const onlineCategoryTable = ONLINE_CATEGORIES.map(([c, w]) => [c, w]);
  const emit = (card, merchant, amount, ms, extra = {}) => {
    const city = merchant.channel === 'pos' ? merchant.city : undefined;
    const e = {
      card_id: card.id,
      merchant_id: merchant.id,
      merchant: merchant.name,
      category: merchant.category,
      channel: merchant.channel,
      amount: round2(Math.max(0.5, amount)),
      city: city?.name ?? null,
      country: city?.country ?? card.home.country,
      lat: city?.lat ?? null,
      lon: city?.lon ?? null,
      device_id: merchant.channel === 'online' ? (extra.device ?? card.device) : null,
      ms,
      label: extra.label ?? null,
      instance: extra.instance ?? null,
    };
    events.push(e);
    return e;
  };
  const normalTransaction = () => {
    const card = pickCard();
    const online = random() < card.online;
    let ms = localTime(card, online ? ONLINE_RHYTHM : POS_RHYTHM);
    let merchant;
    let amount;
    if (online) {
      const category = random.weighted(onlineCategoryTable);
      merchant = random.pick(onlineMerchants.get(category));
      amount = onlineMedian.get(category) * card.level * random.logNormal(1, 0.4);
    } else {
      const trip = card.trip;
      if (trip && ms >= trip.departs - 30 * MINUTE && ms < trip.lands + 30 * MINUTE) ms = trip.departs - 30 * MINUTE - Math.floor(random() * 3 * HOUR);
      if (ms < start) ms = start + Math.floor(random() * HOUR);
      const city = trip && ms >= trip.lands ? trip.to : card.home;
      const category = random.weighted(posCategoryTable);
      merchant = random.pick(posMerchants.get(city.name).get(category));
      amount = posMedian.get(category) * card.level * random.logNormal(1, 0.4);
    }
    // Once in a while an honest big purchase: a laptop, a ring, a sofa.
    if (random() < 0.001) amount = card.level * (250 + random() * 1500);
    card.normal.push(emit(card, merchant, amount, ms));
  };
  for (let n = 0; n < normalCount; n++) normalTransaction();

  // Victims and fraudsters. Each victim card is used for one instance only.
  const order = cards.map((c) => ({ c, k: random() })).sort((a, b) => a.k - b.k).map((x) => x.c);
  const taken = new Set();
  const victim = (ok = () => true) => {
    const card = order.find((c) => !taken.has(c.id) && !c.trip && c.deviceUsers === 1 && ok(c));
    if (!card) throw new Error('not enough cards to plant the frauds: send more transactions or plant fewer frauds');
    taken.add(card.id);
    return card;
  };
  const fraudDevice = () => `dev-f${(0x10000 + Math.floor(random() * 0xefff0)).toString(16)}`;
  const when = () => start + HOUR + Math.floor(random() * Math.max(1, endMs - start - 3 * HOUR));
  const instances = [];
  const plant = (pattern, description, planted) => {
    const id = `${pattern}#${instances.filter((i) => i.pattern === pattern).length + 1}`;
    for (const e of planted) {
      e.label = pattern;
      e.instance = id;
    }
    instances.push({ id, pattern, rule: PATTERNS.find((p) => p.pattern === pattern).rule, description, events: planted });
  };
  const mean = (xs) => xs.reduce((s, e) => s + e.amount, 0) / Math.max(1, xs.length);

  for (let f = 0; f < frauds; f++) {
    {
      const card = victim();
      const device = fraudDevice();
      let ms = when();
      const planted = [];
      const n = random.int(6, 10);
      for (let i = 0; i < n; i++) {
        planted.push(emit(card, random.pick(testingMerchants), 0.5 + random() * 4.49, ms, { device }));
        ms += random.int(15, 75) * 1000;
      }
      plant('card_testing', `${card.id}: ${n} online charges under 5.00 in ${Math.round((ms - planted[0].ms) / MINUTE)} min`, planted);
    }
    {
      const card = victim();
      let ms = when();
      const planted = [];
      const n = random.int(6, 8);
      const spree = ['electronics', 'clothing', 'jewelry'];
      for (let i = 0; i < n; i++) {
        planted.push(emit(card, random.pick(posMerchants.get(card.home.name).get(random.pick(spree))), 60 + random() * 390, ms));
        ms += random.int(45, 110) * 1000;
      }
      plant('velocity', `${card.id}: ${n} purchases in ${card.home.name} within ${Math.round((planted[n - 1].ms - planted[0].ms) / MINUTE)} min`, planted);
    }
    {
      // A card with history to compare with: at least four purchases before the spike.
      const card = victim((c) => c.normal.length >= 6);
      const times = card.normal.map((e) => e.ms).sort((a, b) => a - b);
      const ms = times[3] + Math.floor(random() * Math.max(1, endMs - HOUR - times[3]));
      const amount = Math.max(500, mean(card.normal) * (15 + random() * 15));
      const merchant = random() < 0.5 ? random.pick(posMerchants.get(card.home.name).get('electronics')) : random.pick(onlineMerchants.get('electronics'));
      const e = emit(card, merchant, amount, ms);
      plant('spend_spike', `${card.id}: ${e.amount.toFixed(2)} at ${merchant.name}, the card's average being ${mean(card.normal).toFixed(2)}`, [e]);
    }
    {
      const card = victim();
      const far = random.pick(CITIES.filter((c) => distanceKm(c, card.home) >= 3000));
      const ms = when();
      const later = ms + random.int(20, 50) * MINUTE;
      const here = emit(card, random.pick(posMerchants.get(card.home.name).get(random.pick(['grocery', 'restaurant', 'coffee']))), posMedian.get('grocery') * card.level, ms);
      const there = emit(card, random.pick(posMerchants.get(far.name).get(random.pick(['electronics', 'clothing', 'jewelry']))), 80 + random() * 400, later);
      plant('impossible_travel', `${card.id}: ${card.home.name}, then ${far.name} (${Math.round(distanceKm(card.home, far))} km) ${Math.round((later - ms) / MINUTE)} min later`, [here, there]);
    }
    {
      const device = fraudDevice();
      let ms = when();
      const planted = [];
      const n = random.int(5, 8);
      for (let i = 0; i < n; i++) {
        const card = victim();
        const uses = random.int(1, 2);
        for (let u = 0; u < uses; u++) {
          planted.push(emit(card, random.pick([...onlineMerchants.get('marketplace'), ...onlineMerchants.get('electronics')]), 30 + random() * 220, ms, { device }));
          ms += random.int(40, 120) * 1000;
        }
      }
      plant('device_cards', `${device}: ${n} cards within ${Math.round((planted[planted.length - 1].ms - planted[0].ms) / MINUTE)} min`, planted);
    }
  }

  // Exactly `count` in all: the fraud took less than its budget, and normal spending fills the rest.
  while (events.length < count) normalTransaction();
  const kept = events.sort((a, b) => a.ms - b.ms || a.card_id.localeCompare(b.card_id));
  kept.forEach((e, i) => (e.txn_id = `t-${String(i + 1).padStart(7, '0')}`));
  // Sent roughly in event-time order, as many tills and web shops would: up to 20 s out of order.
  const transactions = kept
    .map((e) => ({ e, key: e.ms + random() * 20_000 }))
    .sort((a, b) => a.key - b.key)
    .map(({ e }) => e);
  for (const i of instances) i.txnIds = i.events.map((e) => e.txn_id);
  return {
    transactions,
    instances: instances.map(({ events: _e, ...i }) => i),
    cards: cards.map((c) => ({ card_id: c.id, home_city: c.home.name, home_country: c.home.country, credit_limit: creditLimit(c.level), device_id: c.device })),
    merchants: merchants.length,
    startMs: start,
    endMs,
  };
}

/**
 * The issuer's table of cards, as the CSV file the rules join: each card's home city and country, its
 * credit limit, and the device enrolled for its online payments (a household's cards may share one).
 */
export function cardsCsv(cards) {
  const lines = ['card_id,home_city,home_country,credit_limit,device_id'];
  for (const c of cards) lines.push([c.card_id, c.home_city, c.home_country, c.credit_limit, c.device_id].join(','));
  return lines.join('\n') + '\n';
}

/** What is sent for a transaction: everything but its label. */
export function record(t) {
  return {
    txn_id: t.txn_id,
    card_id: t.card_id,
    merchant_id: t.merchant_id,
    merchant: t.merchant,
    category: t.category,
    channel: t.channel,
    amount: t.amount,
    city: t.city,
    country: t.country,
    lat: t.lat,
    lon: t.lon,
    device_id: t.device_id,
    ts: new Date(t.ms).toISOString(),
  };
}

/**
 * After the last transaction, one heartbeat per shard dated past every window that holds data closes
 * those windows (the longest is an hour; the watermark trails by a minute).
 */
export function heartbeatFor(endMs) {
  const ms = endMs + 2 * HOUR;
  const data = { txn_id: 'heartbeat', card_id: 'heartbeat', merchant_id: 'heartbeat', merchant: 'heartbeat', category: 'heartbeat', channel: 'heartbeat', amount: 0, city: null, country: null, lat: null, lon: null, device_id: null, ts: new Date(ms).toISOString() };
  return { data, watermarkMs: ms - MINUTE };
}
