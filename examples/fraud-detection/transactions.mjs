// Card transactions that look like a day at a card issuer, with a few fraud patterns planted in them.
// Deterministic: the same seed and options give the same transactions, in the same order, everywhere.
//
// Normal cardholders are kept clear of the alert rules on purpose (at most four purchases in any five
// minutes, none above 400, always in their home country), so every alert the demo prints is one of the
// planted patterns and a reader can check each one.

import { prng } from '../shared/eddy-demo.mjs';

export const DEFAULT_START = Date.parse('2025-01-06T09:00:00Z');

const HOME_COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'FR', 'CA', 'BR', 'JP', 'AU', 'IN', 'ES'];
const FAR_AWAY = { US: 'RO', GB: 'NG', DE: 'TH', FR: 'VN', CA: 'ID', BR: 'RU', JP: 'MX', AU: 'UA', IN: 'CO', ES: 'PH' };

/** [merchant, smallest, largest amount] */
const EVERYDAY = [
  ['City Coffee', 3, 9],
  ['FreshMart Groceries', 12, 140],
  ['Metro Fuel', 25, 95],
  ['Bistro 21', 18, 85],
  ['PharmaPlus', 6, 60],
  ['RideNow', 8, 45],
  ['StreamFlix', 9, 18],
  ['BookNook', 10, 55],
  ['QuickShop Online', 15, 220],
  ['HomeGoods', 40, 380],
  ['Urban Outfitters', 30, 260],
];
const CARD_TESTING = ['giftcard-hub.example', 'donate-now.example', 'topup-world.example'];
const CASH_OUT = [
  ['ElectroMax', 750, 1150],
  ['Luxe Jewelers', 800, 1200],
  ['GadgetHub', 700, 1000],
];

const MINUTE = 60_000;
/** Two purchases of one normal cardholder are at least this far apart: four fit in five minutes, five never. */
const MIN_GAP_MS = 90_000;
/** Around a planted pattern the cardholder buys nothing, so one pattern trips one rule. */
const QUIET_MS = 6 * MINUTE;
/** Send order differs from event order by up to this much (the watermark allows 10 s). */
const MAX_DISORDER_MS = 3000;

const round2 = (x) => Math.round(x * 100) / 100;

/**
 * @returns {{ transactions: object[], planted: { card_id: string, pattern: string, rule: string, at: string, detail: string }[], startMs: number, endMs: number }}
 *   `transactions` in the order to send them (event time with a little disorder), `planted` the frauds.
 */
export function generateTransactions({ seed = 42, start = DEFAULT_START, minutes = 20, cards = 500, frauds = 2 } = {}) {
  if (minutes < 12) throw new Error(`--minutes ${minutes}: the planted patterns need at least 12 minutes of event time`);
  if (cards < frauds * 3) throw new Error(`--cards ${cards}: need at least ${frauds * 3} cards for ${frauds} frauds of each kind`);
  const random = prng(seed);
  const endMs = start + minutes * MINUTE;
  const cardIds = Array.from({ length: cards }, (_v, i) => `card-${String(1001 + i).padStart(4, '0')}`);
  const home = new Map(cardIds.map((id) => [id, random.pick(HOME_COUNTRIES)]));
  const events = [];
  const txn = (card_id, merchant, amount, country, ms) => events.push({ card_id, merchant, amount: round2(amount), country, ms });

  // Which cards are stolen, and when: chosen first, so normal spending can keep clear of them.
  const shuffled = [...cardIds];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const planted = [];
  const quiet = new Map();
  const plant = (card_id, pattern, rule, fromMs, toMs, detail) => {
    planted.push({ card_id, pattern, rule, at: new Date(fromMs).toISOString(), detail });
    quiet.set(card_id, [fromMs - QUIET_MS, toMs + QUIET_MS]);
  };
  let next = 0;
  for (let f = 0; f < frauds; f++) {
    // Card testing: a burst of tiny charges at web merchants, seconds apart.
    const tester = shuffled[next++];
    let t = start + random.int(1, minutes - 7) * MINUTE + random.int(0, 59) * 1000;
    const burst = random.int(6, 9);
    const first = t;
    let last = t;
    for (let i = 0; i < burst; i++) {
      txn(tester, random.pick(CARD_TESTING), 0.5 + random() * 4.5, home.get(tester), t);
      last = t;
      t += random.int(5, 20) * 1000;
    }
    plant(tester, 'card testing', 'velocity', first, last, `${burst} charges under 5.00 within ${Math.round((last - first) / 1000)} s`);

    // Cash-out: three big-ticket purchases within a few minutes.
    const thief = shuffled[next++];
    t = start + random.int(1, minutes - 7) * MINUTE + random.int(0, 59) * 1000;
    const from = t;
    let total = 0;
    for (let i = 0; i < 3; i++) {
      if (i > 0) t += random.int(40, 90) * 1000;
      const [merchant, lo, hi] = random.pick(CASH_OUT);
      const amount = round2(lo + random() * (hi - lo));
      total += amount;
      txn(thief, merchant, amount, home.get(thief), t);
    }
    plant(thief, 'cash-out', 'spend', from, t, `3 purchases totalling ${total.toFixed(2)} within ${Math.round((t - from) / 1000)} s`);

    // Cloned card: used at home, then minutes later on the other side of the world, both inside one
    // ten-minute tumbling window.
    const cloned = shuffled[next++];
    const windows = Math.floor((endMs - Math.ceil(start / (10 * MINUTE)) * 10 * MINUTE) / (10 * MINUTE));
    if (windows < 1) throw new Error(`--minutes ${minutes}: the event time holds no whole ten-minute window for the cloned-card pattern`);
    const windowStart = Math.ceil(start / (10 * MINUTE)) * 10 * MINUTE + random.int(0, windows - 1) * 10 * MINUTE;
    const here = windowStart + random.int(0, 3 * 60) * 1000;
    const there = here + random.int(2 * 60, 6 * 60) * 1000;
    const abroad = FAR_AWAY[home.get(cloned)];
    const [merchant, lo, hi] = random.pick(EVERYDAY);
    txn(cloned, merchant, lo + random() * (hi - lo), home.get(cloned), here);
    txn(cloned, 'Duty Free Lounge', 60 + random() * 240, abroad, there);
    plant(cloned, 'cloned card', 'geo', here, there, `${home.get(cloned)} then ${abroad} ${Math.round((there - here) / 60000)} min later`);
  }

  // Everyone's ordinary spending: one to four purchases, at least 90 s apart, in the home country.
  for (const card of cardIds) {
    const k = random.int(1, 4);
    let times = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      times = Array.from({ length: k }, () => start + Math.floor(random() * (endMs - start))).sort((a, b) => a - b);
      if (times.every((ms, i) => i === 0 || ms - times[i - 1] >= MIN_GAP_MS)) break;
      times = [];
    }
    const [from, to] = quiet.get(card) ?? [Infinity, -Infinity];
    for (const ms of times) {
      if (ms >= from && ms <= to) continue;
      const [merchant, lo, hi] = random.pick(EVERYDAY);
      txn(card, merchant, lo + random() * (hi - lo), home.get(card), ms);
    }
  }

  // Sent roughly in event-time order, as many point-of-sale terminals would: a little out of order.
  const sendOrder = events.map((e) => ({ e, key: e.ms + random() * MAX_DISORDER_MS })).sort((a, b) => a.key - b.key);
  const transactions = sendOrder.map(({ e }) => ({ card_id: e.card_id, merchant: e.merchant, amount: e.amount, country: e.country, ts: new Date(e.ms).toISOString() }));
  planted.sort((a, b) => a.at.localeCompare(b.at));
  return { transactions, planted, startMs: start, endMs };
}

/**
 * After the last transaction, one heartbeat per shard dated past every window that holds data closes
 * those windows (the longest is ten minutes; the watermark trails by ten seconds).
 */
export function heartbeatFor(endMs) {
  const ms = endMs + 11 * MINUTE;
  return { record: { card_id: 'heartbeat', merchant: 'heartbeat', amount: 0, country: '--', ts: new Date(ms).toISOString() }, watermarkMs: ms - 10_000 };
}
