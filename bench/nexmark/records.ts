// Nexmark events as Eddy stream records: three JSON streams, `person`, `auction` and `bid`, whose keys are
// the column names of the published Flink views of the same names, so the published queries read them
// unchanged. Times are ISO-8601 UTC text with milliseconds.
import type { NexmarkEvent, NexmarkGenerator } from './generator.js';

export const NEXMARK_STREAMS = ['person', 'auction', 'bid'] as const;
export type NexmarkStream = (typeof NEXMARK_STREAMS)[number];

export interface NexmarkRecord {
  readonly stream: NexmarkStream;
  /** The event's natural key: a person's or auction's id, a bid's auction. */
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

// Consecutive events mostly share their millisecond (10,000 of them at the published rate).
let lastMs = NaN;
let lastIso = '';
function iso(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** The JSON object a record holds (what `encode` writes), with times as ISO-8601 text. */
export function eventJson(e: NexmarkEvent): Record<string, string | number> {
  switch (e.kind) {
    case 'person':
      return { id: e.id, name: e.name, emailAddress: e.emailAddress, creditCard: e.creditCard, city: e.city, state: e.state, dateTime: iso(e.dateTime), extra: e.extra };
    case 'auction':
      return {
        id: e.id,
        itemName: e.itemName,
        description: e.description,
        initialBid: e.initialBid,
        reserve: e.reserve,
        dateTime: iso(e.dateTime),
        expires: iso(e.expires),
        seller: e.seller,
        category: e.category,
        extra: e.extra,
      };
    case 'bid':
      return { auction: e.auction, bidder: e.bidder, price: e.price, channel: e.channel, url: e.url, dateTime: iso(e.dateTime), extra: e.extra };
  }
}

/**
 * The record of an event: `eventJson(e)` as JSON text. Written out by hand, as the generator's strings are
 * all drawn from alphabets that need no escaping in JSON (letters, digits, spaces, `_@./:?=&-`), and
 * kept as Latin-1 bytes, which for such text are its UTF-8 bytes.
 */
export function encode(e: NexmarkEvent): NexmarkRecord {
  let json: string;
  switch (e.kind) {
    case 'person':
      json = `{"id":${e.id},"name":"${e.name}","emailAddress":"${e.emailAddress}","creditCard":"${e.creditCard}","city":"${e.city}","state":"${e.state}","dateTime":"${iso(e.dateTime)}","extra":"${e.extra}"}`;
      break;
    case 'auction':
      json = `{"id":${e.id},"itemName":"${e.itemName}","description":"${e.description}","initialBid":${e.initialBid},"reserve":${e.reserve},"dateTime":"${iso(e.dateTime)}","expires":"${new Date(e.expires).toISOString()}","seller":${e.seller},"category":${e.category},"extra":"${e.extra}"}`;
      break;
    case 'bid':
      json = `{"auction":${e.auction},"bidder":${e.bidder},"price":${e.price},"channel":"${e.channel}","url":"${e.url}","dateTime":"${iso(e.dateTime)}","extra":"${e.extra}"}`;
      break;
  }
  return { stream: e.kind, partitionKey: String(e.kind === 'bid' ? e.auction : e.id), data: Buffer.from(json, 'latin1') };
}

/**
 * Events that close every window of a bounded run. Event time moves only as records arrive, so after
 * the last event nothing would move each stream's watermark past the last windows; these continue the
 * same sequence `gapMs` of event time after event `after` (by default the last one): for each stream,
 * `perStream` events of its kind (one for each of its shards). They are real Nexmark events, later ones.
 */
export function closingEvents(generator: NexmarkGenerator, perStream = 1, gapMs = 3_600_000, after = generator.config.events - 1): NexmarkEvent[] {
  const c = generator.config;
  const cycle = c.personProportion + c.auctionProportion + c.bidProportion;
  const ahead = Math.ceil((gapMs / 1000) * c.eventsPerSecond);
  const start = Math.ceil((after + 1 + ahead) / cycle) * cycle;
  const out: NexmarkEvent[] = [];
  for (const [offset, kind] of [
    [0, 'person'],
    [c.personProportion, 'auction'],
    [c.personProportion + c.auctionProportion, 'bid'],
  ] as const) {
    for (let j = 0; j < perStream; j++) {
      const e = generator.event(start + j * cycle + offset);
      if (e.kind !== kind) throw new Error(`nexmark: expected a ${kind} at ${start + j * cycle + offset}, got a ${e.kind}`);
      out.push(e);
    }
  }
  return out;
}
