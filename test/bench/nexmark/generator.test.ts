// The Nexmark generator follows the published model: the kinds' proportions, ids, hot sellers, auctions
// and bidders, prices, sizes and event times; and a seed gives the same events every time.
import { describe, expect, it } from 'vitest';
import { NexmarkGenerator, type Auction, type Bid, type NexmarkEvent, type Person } from '../../../bench/nexmark/generator.js';
import { closingEvents, encode, eventJson } from '../../../bench/nexmark/records.js';

const N = 50_000;
const generator = new NexmarkGenerator({ events: N, seed: 7, eventsPerSecond: 10_000 });
const events = [...generator.events()];
const people = events.filter((e): e is Person => e.kind === 'person');
const auctions = events.filter((e): e is Auction => e.kind === 'auction');
const bids = events.filter((e): e is Bid => e.kind === 'bid');
const share = (n: number, of: number) => n / of;

describe('the Nexmark generator', () => {
  it('makes 1 person, 3 auctions and 46 bids in every 50 events, in that order', () => {
    expect([people.length, auctions.length, bids.length]).toEqual([N / 50, (3 * N) / 50, (46 * N) / 50]);
    expect(events.slice(0, 50).map((e) => e.kind)).toEqual(['person', 'auction', 'auction', 'auction', ...Array<string>(46).fill('bid')]);
    expect(events.map((e, i) => generator.kindOf(i) === e.kind).every(Boolean)).toBe(true);
  });

  it('numbers people and auctions one after another from 1000', () => {
    expect(people.map((p) => p.id)).toEqual(people.map((_, i) => 1000 + i));
    expect(auctions.map((a) => a.id)).toEqual(auctions.map((_, i) => 1000 + i));
  });

  it('moves event time forward at the configured rate', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    expect(events.map((e) => e.dateTime)).toEqual(events.map((_, i) => t0 + Math.floor(i / 10)));
    expect(generator.timestampOf(N)).toBe(t0 + N / 10);
  });

  it('gives the same events for the same seed and other events for another', () => {
    const again = new NexmarkGenerator({ events: N, seed: 7, eventsPerSecond: 10_000 });
    const other = new NexmarkGenerator({ events: N, seed: 8, eventsPerSecond: 10_000 });
    const bytes = (g: NexmarkGenerator, n: number) => Buffer.from(encode(g.event(n)).data).toString();
    for (const n of [0, 1, 4, 12_345, N - 1]) {
      expect(bytes(again, n)).toBe(bytes(generator, n));
      expect(bytes(other, n)).not.toBe(bytes(generator, n));
    }
    // Any event can be made on its own: out of order, it is the same as in sequence.
    expect(again.event(777)).toEqual(events[777]);
  });

  it('has most auctions come from the newest hot seller and most bids go to hot auctions from hot bidders', () => {
    // Hot ones are the first (sellers, auctions) or second (bidders) of each block of 100 ids.
    const hotSellers = auctions.filter((a) => (a.seller - 1000) % 100 === 0).length;
    const hotAuctions = bids.filter((b) => (b.auction - 1000) % 100 === 0).length;
    const hotBidders = bids.filter((b) => (b.bidder - 1000) % 100 === 1).length;
    // 3/4 of auctions and bidders and 1/2 of bids by choice, plus the ordinary picks that happen to land on them.
    expect(share(hotSellers, auctions.length)).toBeGreaterThan(0.74);
    expect(share(hotSellers, auctions.length)).toBeLessThan(0.8);
    expect(share(hotAuctions, bids.length)).toBeGreaterThan(0.49);
    expect(share(hotAuctions, bids.length)).toBeLessThan(0.55);
    expect(share(hotBidders, bids.length)).toBeGreaterThan(0.74);
    expect(share(hotBidders, bids.length)).toBeLessThan(0.8);
  });

  it('refers only to people and auctions that exist or are among the next ten', () => {
    let lastPerson = 999;
    let lastAuction = 999;
    const wrong: NexmarkEvent[] = [];
    for (const e of events) {
      if (e.kind === 'person') lastPerson = e.id;
      else if (e.kind === 'auction') {
        lastAuction = e.id;
        const ok = e.seller <= lastPerson + 10 && e.seller >= Math.max(1000, lastPerson - 1000) && e.category >= 10 && e.category <= 14;
        if (!ok) wrong.push(e);
      } else if (!(e.auction <= lastAuction + 10 && e.auction >= Math.max(1000, lastAuction - 100) && e.bidder <= lastPerson + 10)) wrong.push(e);
    }
    expect(wrong).toEqual([]);
  });

  it('draws prices log-uniformly from $1 to $1M, in cents', () => {
    const prices = bids.map((b) => b.price).sort((a, b) => a - b);
    expect(prices[0]).toBeGreaterThanOrEqual(100);
    expect(prices[prices.length - 1]).toBeLessThanOrEqual(100_000_000);
    // Each decade holds a sixth of them.
    for (let d = 0; d < 6; d++) {
      const inDecade = prices.filter((p) => p >= 100 * 10 ** d && p < 100 * 10 ** (d + 1)).length;
      expect(share(inDecade, prices.length)).toBeCloseTo(1 / 6, 1);
    }
    expect(auctions.every((a) => a.reserve > a.initialBid && a.expires > a.dateTime)).toBe(true);
  });

  it("sizes each kind's extra text so the event averages its published size", () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(bids.map((b) => 32 + b.extra.length))).toBeCloseTo(100, -0.5);
    expect(mean(auctions.map((a) => 48 + a.itemName.length + a.description.length + a.extra.length))).toBeCloseTo(500, -1);
    const personSize = (p: Person) => 8 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length + p.extra.length;
    expect(mean(people.map(personSize))).toBeCloseTo(200, -1);
  });

  it('sends half the bids through four hot channels, the rest through 10,000 others, most with a channel id in the URL', () => {
    const hot = bids.filter((b) => ['Google', 'Facebook', 'Baidu', 'Apple'].includes(b.channel));
    expect(share(hot.length, bids.length)).toBeCloseTo(0.5, 1);
    const others = bids.filter((b) => b.channel.startsWith('channel-'));
    expect(hot.length + others.length).toBe(bids.length);
    const withId = others.filter((b) => /[?&]channel_id=\d+$/.test(b.url));
    expect(share(withId.length, others.length)).toBeCloseTo(0.9, 1);
    for (const b of bids.slice(0, 500)) expect(b.url).toMatch(/^https:\/\/www\.nexmark\.com\/[a-z_]+\/[a-z_]+\/[a-z_]+\/item\.htm\?query=1/);
  });

  it('writes each event as a JSON record of its stream, keyed by its natural key', () => {
    const sample: NexmarkEvent[] = [people[0]!, auctions[0]!, bids[0]!];
    for (const e of sample) {
      const r = encode(e);
      expect(r.stream).toBe(e.kind);
      expect(JSON.parse(Buffer.from(r.data).toString('utf8'))).toEqual(eventJson(e));
    }
    expect(encode(bids[0]!).partitionKey).toBe(String(bids[0]!.auction));
    expect(eventJson(bids[0]!)).toEqual({
      auction: bids[0]!.auction,
      bidder: bids[0]!.bidder,
      price: bids[0]!.price,
      channel: bids[0]!.channel,
      url: bids[0]!.url,
      dateTime: new Date(bids[0]!.dateTime).toISOString(),
      extra: bids[0]!.extra,
    });
  });

  it('continues the sequence an hour later with events that close every window', () => {
    const closing = closingEvents(generator, 2);
    expect(closing.map((e) => e.kind)).toEqual(['person', 'person', 'auction', 'auction', 'bid', 'bid']);
    const last = events[events.length - 1]!.dateTime;
    for (const e of closing) expect(e.dateTime).toBeGreaterThanOrEqual(last + 3_600_000);
  });

  it('refuses options that do not describe a run', () => {
    expect(() => new NexmarkGenerator({ eventsPerSecond: 0 })).toThrow('eventsPerSecond must be positive');
    expect(() => new NexmarkGenerator({ bidProportion: 0 })).toThrow('bidProportion must be a whole number ≥ 1');
    expect(() => new NexmarkGenerator({ events: -1 })).toThrow('events must be a whole number ≥ 0');
  });
});
