// The Nexmark event generator: people, auctions and bids of an online auction house, in the model the
// Nexmark project publishes (github.com/nexmark/nexmark, nexmark-flink's generator, itself after Apache
// Beam's): events come in a fixed cycle of 1 person, 3 auctions and 46 bids; ids grow with the event
// number; most auctions are placed by a few "hot" sellers, most bids go to a few hot auctions and come
// from a few hot bidders; prices are log-uniform from $1 to $1M; each event has an `extra` string that
// brings it to its kind's average size; event time advances at a configured rate.
//
// Written for Eddy from that model (no code is shared with it). One difference on purpose: every
// event's values come from a random generator seeded with the run's seed and the event's number, so a
// seed gives the same events on every run, and any event can be made on its own (the published generator
// draws from an unseeded source and differs on every run).

export interface NexmarkConfig {
  /** Events to generate: event numbers 0 … events - 1. */
  readonly events: number;
  /** Event time advances by 1 / eventsPerSecond per event (the published benchmark uses 10,000,000). */
  readonly eventsPerSecond: number;
  /** Seed of every random choice: the same seed and options give the same events. */
  readonly seed: number;
  /** Event time of the first event, epoch ms. */
  readonly baseTime: number;
  readonly personProportion: number;
  readonly auctionProportion: number;
  readonly bidProportion: number;
  /** Average size in bytes each kind's `extra` string brings the event to, as the model counts it. */
  readonly avgPersonBytes: number;
  readonly avgAuctionBytes: number;
  readonly avgBidBytes: number;
  /** 1 - 1/ratio of bids go to the newest hot auction; of auctions to the newest hot seller; of bids to the newest hot bidder. */
  readonly hotAuctionRatio: number;
  readonly hotSellersRatio: number;
  readonly hotBiddersRatio: number;
  /** Auctions a bid may go to besides the hot one: the newest this many. */
  readonly numInFlightAuctions: number;
  /** People an auction or bid may come from besides the hot ones: the newest this many. */
  readonly numActivePeople: number;
  /** Events are shuffled (by event time) within groups of this many; 1 keeps them in order. */
  readonly outOfOrderGroupSize: number;
}

/** The published defaults (nexmark-flink's NexmarkConfiguration), with 10M events/s as in its benchmark suite. */
export const DEFAULT_CONFIG: NexmarkConfig = {
  events: 1_000_000,
  eventsPerSecond: 10_000_000,
  seed: 1,
  baseTime: Date.parse('2026-01-01T00:00:00Z'),
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  avgPersonBytes: 200,
  avgAuctionBytes: 500,
  avgBidBytes: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
  outOfOrderGroupSize: 1,
};

export interface Person {
  readonly kind: 'person';
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  /** Epoch ms. */
  readonly dateTime: number;
  readonly extra: string;
}

export interface Auction {
  readonly kind: 'auction';
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

export interface Bid {
  readonly kind: 'bid';
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

export type NexmarkEvent = Person | Auction | Bid;

// Ids start above zero so that queries naming particular ids find some even in small runs.
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
/** Ids of people and auctions not created yet that events may already refer to. */
const ID_LEAD = 10;
/** The hot seller, bidder and auction are the first of each block of this many people or auctions. */
const HOT_BLOCK = 100;
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;
const CHANNELS = 10_000;
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'] as const;
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'] as const;
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'] as const;
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'] as const;
/** The long random text `extra` strings are cut from. */
const EXTRA_SOURCE_LENGTH = 1 << 20;
const MIN_STRING_LENGTH = 3;

/** A small, fast generator of uniform numbers (mulberry32), reseeded for every event. */
class Random {
  private state = 0;

  reseed(seed: number, stream: number): void {
    // Both halves of the number count, so events past 2^32 do not repeat earlier ones.
    const lo = stream >>> 0;
    const hi = Math.floor(stream / 4294967296) >>> 0;
    this.state = mix(mix(seed ^ 0x9e3779b9) ^ lo) ^ mix(hi + 0x7f4a7c15);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }
}

/** A 32-bit integer hash (the finaliser of murmur3): spreads nearby seeds far apart. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Reverses the bits of a 32-bit integer, read as signed (as Java's Integer.reverse). */
function reverseBits(i: number): number {
  let r = 0;
  for (let b = 0; b < 32; b++) r = (r << 1) | ((i >>> b) & 1);
  return r | 0;
}

export class NexmarkGenerator {
  readonly config: NexmarkConfig;
  private readonly random = new Random();
  private readonly totalProportion: number;
  private readonly interEventDelayUs: number;
  private readonly extraSource: string;
  private readonly hotUrls: readonly string[];
  private readonly channelUrls: readonly string[];

  constructor(config: Partial<NexmarkConfig> = {}) {
    const c: NexmarkConfig = { ...DEFAULT_CONFIG, ...config };
    for (const [name, value] of Object.entries(c)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`nexmark: ${name} must be a number, got ${String(value)}`);
    }
    if (!(c.eventsPerSecond > 0)) throw new Error(`nexmark: eventsPerSecond must be positive, got ${c.eventsPerSecond}`);
    if (!Number.isSafeInteger(c.events) || c.events < 0) throw new Error(`nexmark: events must be a whole number ≥ 0, got ${c.events}`);
    for (const name of ['personProportion', 'auctionProportion', 'bidProportion', 'outOfOrderGroupSize', 'hotAuctionRatio', 'hotSellersRatio', 'hotBiddersRatio'] as const) {
      if (!Number.isSafeInteger(c[name]) || c[name] < 1) throw new Error(`nexmark: ${name} must be a whole number ≥ 1, got ${c[name]}`);
    }
    this.config = c;
    this.totalProportion = c.personProportion + c.auctionProportion + c.bidProportion;
    this.interEventDelayUs = 1_000_000 / c.eventsPerSecond;
    // Fixed texts of the run, drawn from the seed like everything else (streams past the last event number).
    const r = this.random;
    r.reseed(c.seed, -1);
    let text = '';
    for (let i = 0; i < EXTRA_SOURCE_LENGTH; i++) text += String.fromCharCode(97 + r.int(26));
    this.extraSource = text;
    r.reseed(c.seed, -2);
    this.hotUrls = HOT_CHANNELS.map(() => this.baseUrl());
    this.channelUrls = Array.from({ length: CHANNELS }, (_, i) => {
      const url = this.baseUrl();
      return r.int(10) > 0 ? `${url}&channel_id=${Math.abs(reverseBits(i))}` : url;
    });
  }

  /** The kind of the event with this number, without making it. */
  kindOf(eventNumber: number): NexmarkEvent['kind'] {
    const rem = this.eventId(eventNumber) % this.totalProportion;
    return rem < this.config.personProportion ? 'person' : rem < this.config.personProportion + this.config.auctionProportion ? 'auction' : 'bid';
  }

  /** Event time of the event with this number, epoch ms. */
  timestampOf(eventNumber: number): number {
    return this.timestampForEvent(this.adjusted(eventNumber));
  }

  /** The event with this number (0-based; numbers past `config.events` continue the same sequence). */
  event(eventNumber: number): NexmarkEvent {
    const id = this.eventId(eventNumber);
    const t = this.timestampForEvent(this.adjusted(eventNumber));
    this.random.reseed(this.config.seed, eventNumber);
    const rem = id % this.totalProportion;
    const p = this.config.personProportion;
    if (rem < p) return this.person(id, t);
    if (rem < p + this.config.auctionProportion) return this.auction(eventNumber, id, t);
    return this.bid(id, t);
  }

  /** Events from `from` up to (not including) `to`, in event-number order. */
  *events(from = 0, to = this.config.events): Generator<NexmarkEvent> {
    for (let n = from; n < to; n++) yield this.event(n);
  }

  /** The event number shuffled within its out-of-order group (itself when the group size is 1). */
  private adjusted(eventNumber: number): number {
    const n = this.config.outOfOrderGroupSize;
    if (n === 1) return eventNumber;
    return Math.floor(eventNumber / n) * n + ((eventNumber * 953) % n);
  }

  private eventId(eventNumber: number): number {
    return this.adjusted(eventNumber);
  }

  private timestampForEvent(eventNumber: number): number {
    return this.config.baseTime + Math.floor(Math.floor(eventNumber * this.interEventDelayUs) / 1000);
  }

  private person(id: number, t: number): Person {
    const r = this.random;
    const name = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
    const emailAddress = `${this.string(7)}@${this.string(5)}.com`;
    const creditCard = [0, 1, 2, 3].map(() => String(r.int(10_000)).padStart(4, '0')).join(' ');
    const city = r.pick(US_CITIES);
    const state = r.pick(US_STATES);
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    return {
      kind: 'person',
      id: this.lastPerson(id) + FIRST_PERSON_ID,
      name,
      emailAddress,
      creditCard,
      city,
      state,
      dateTime: t,
      extra: this.extra(size, this.config.avgPersonBytes),
    };
  }

  private auction(eventNumber: number, id: number, t: number): Auction {
    const r = this.random;
    const c = this.config;
    // Most auctions come from the newest hot seller: the first of the latest block of people.
    const seller = r.int(c.hotSellersRatio) > 0 ? Math.floor(this.lastPerson(id) / HOT_BLOCK) * HOT_BLOCK : this.somePerson(id);
    const category = FIRST_CATEGORY_ID + r.int(NUM_CATEGORIES);
    const initialBid = this.price();
    const expires = t + this.auctionLengthMs(eventNumber, t);
    const itemName = this.string(20);
    const description = this.string(100);
    const reserve = initialBid + this.price();
    const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
    return {
      kind: 'auction',
      id: this.lastAuction(id) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: t,
      expires,
      seller: seller + FIRST_PERSON_ID,
      category,
      extra: this.extra(size, c.avgAuctionBytes),
    };
  }

  private bid(id: number, t: number): Bid {
    const r = this.random;
    const c = this.config;
    const auction = r.int(c.hotAuctionRatio) > 0 ? Math.floor(this.lastAuction(id) / HOT_BLOCK) * HOT_BLOCK : this.someAuction(id);
    // The hot bidder is the second of the block, so hot bidders and hot sellers are different people.
    const bidder = r.int(c.hotBiddersRatio) > 0 ? Math.floor(this.lastPerson(id) / HOT_BLOCK) * HOT_BLOCK + 1 : this.somePerson(id);
    const price = this.price();
    let channel: string;
    let url: string;
    if (r.int(2) > 0) {
      const i = r.int(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = this.hotUrls[i]!;
    } else {
      const i = r.int(CHANNELS);
      channel = `channel-${i}`;
      url = this.channelUrls[i]!;
    }
    return {
      kind: 'bid',
      auction: auction + FIRST_AUCTION_ID,
      bidder: bidder + FIRST_PERSON_ID,
      price,
      channel,
      url,
      dateTime: t,
      extra: this.extra(8 + 8 + 8 + 8, c.avgBidBytes),
    };
  }

  /** The newest person id (from 0) as of this event: this event's own when it is a person. */
  private lastPerson(id: number): number {
    const p = this.config.personProportion;
    const epoch = Math.floor(id / this.totalProportion);
    const offset = Math.min(id % this.totalProportion, p - 1);
    return epoch * p + offset;
  }

  /** The newest auction id (from 0) as of this event: this event's own when it is an auction. */
  private lastAuction(id: number): number {
    const { personProportion: p, auctionProportion: a } = this.config;
    let epoch = Math.floor(id / this.totalProportion);
    let offset = id % this.totalProportion;
    if (offset < p) {
      epoch--;
      offset = a - 1;
    } else if (offset >= p + a) offset = a - 1;
    else offset -= p;
    return epoch * a + offset;
  }

  /** One of the active people, or one of the next few not created yet. */
  private somePerson(id: number): number {
    const people = this.lastPerson(id) + 1;
    const active = Math.min(people, this.config.numActivePeople);
    return people - active + this.random.int(active + ID_LEAD);
  }

  /** One of the auctions likely to be open, or one of the next few not created yet. */
  private someAuction(id: number): number {
    const last = this.lastAuction(id);
    const first = Math.max(last - this.config.numInFlightAuctions, 0);
    return first + this.random.int(last - first + 1 + ID_LEAD);
  }

  /** How long an auction runs: on average until numInFlightAuctions more auctions have been created. */
  private auctionLengthMs(eventNumber: number, t: number): number {
    const c = this.config;
    const eventsAhead = Math.floor((c.numInFlightAuctions * this.totalProportion) / c.auctionProportion);
    const horizonMs = this.timestampForEvent(this.adjusted(eventNumber) + eventsAhead) - t;
    return 1 + this.random.int(Math.max(horizonMs * 2, 1));
  }

  /** A price in cents, log-uniform between $1 and $1M. */
  private price(): number {
    return Math.round(Math.pow(10, this.random.next() * 6) * 100);
  }

  /** 3 to maxLength - 1 letters with a space now and then, trimmed. */
  private string(maxLength: number, special = ' '): string {
    const r = this.random;
    let len = MIN_STRING_LENGTH + r.int(maxLength - MIN_STRING_LENGTH);
    let s = '';
    while (len-- > 0) s += r.int(13) === 0 ? special : String.fromCharCode(97 + r.int(26));
    return s.trim();
  }

  /** Text that brings an event of `size` bytes to `average` bytes, give or take 20%. */
  private extra(size: number, average: number): string {
    if (size > average) return '';
    const want = average - size;
    const delta = Math.round(want * 0.2);
    const length = want - delta + (delta === 0 ? 0 : this.random.int(2 * delta));
    const offset = this.random.int(EXTRA_SOURCE_LENGTH - length);
    return this.extraSource.slice(offset, offset + length);
  }

  private baseUrl(): string {
    const part = () => this.string(5, '_');
    return `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
  }
}
