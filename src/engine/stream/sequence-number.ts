// Sequence numbers in AWS's layout: 56 decimal digits, the decimal form of 47 hex digits
//
//   2 | shard creation, epoch s (9) | shard index, low nibble (1) | sequence index (16) | 00 | arrival, epoch s (9) | shard index (8) | 2
//
// (the layout AWS's numbers show when written in hex; the final 2 is its version). The sequence index is
// the record's log offset + 1, so a shard's StartingSequenceNumber (index 0, the shard's creation time) is
// below every record of it, and its EndingSequenceNumber (index 7fffffffffffffff, the closing time) above.
// The index is the most significant field that varies within a shard, so numbers of one shard compare in
// offset order as numbers and, all being 56 digits, as strings. Numbers are never stored: a record's is
// made from its shard, offset and arrival time whenever it is read.
//
// Eddy before this layout issued 30-digit numbers, `49` + shard index (8) + offset (20); they may be held
// by checkpoints, leases and clients, so they still decode to the same positions (never issued again).

const HEX_DIGITS = 47;
const TWO_124 = 1n << 124n;
const TWO_129 = 1n << 129n;
const TWO_185 = 1n << 185n;
const TWO_185_AND_HALF = TWO_185 + (1n << 184n);
/** Creation times at or above this (in s) are not AWS's; its numbers never carry one. */
const MAX_CREATE_SECONDS = 16025175000;
const END_INDEX = 0x7fffffffffffffffn;
const LEGACY_PATTERN = /^49(\d{8})(\d{20})$/;

export interface SequencePosition {
  readonly shardIndex: number;
  /** The record's log offset: -1 for a shard's StartingSequenceNumber, which is before its first record. */
  readonly offset: number;
  /** A shard's EndingSequenceNumber: after its last record. */
  readonly end: boolean;
  /** Seconds the number's shard was created at; undefined for the 30-digit numbers of earlier versions. */
  readonly shardCreatedSeconds: number | undefined;
  /** The arrival time it carries, epoch ms (whole seconds); undefined for earlier versions' numbers. */
  readonly timestamp: number | undefined;
}

/**
 * What a decimal sequence number says, read as AWS reads it: its layout version (0, 1 or 2; Eddy issues
 * 2), shard index and creation time; `invalid` when AWS would call it malformed (an unknown version, an
 * index or date out of range).
 */
export type DecodedSequenceNumber =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'legacy'; readonly shardIndex: number; readonly offset: number }
  | {
      readonly kind: 'aws';
      readonly version: 0 | 1 | 2;
      readonly shardIndex: number;
      readonly shardCreatedSeconds: number;
      /** Version 2 only: the sequence index (offset + 1) and the arrival second. */
      readonly sequenceIndex: bigint;
      readonly seconds: number;
    };

const INVALID = { kind: 'invalid' } as const;

/** Decodes any decimal string the model's pattern admits (`0|([1-9]\d{0,128})`). */
export function decodeSequenceNumber(value: string): DecodedSequenceNumber {
  const legacy = LEGACY_PATTERN.exec(value);
  if (legacy) {
    const offset = Number(legacy[2]);
    return Number.isSafeInteger(offset) ? { kind: 'legacy', shardIndex: Number(legacy[1]), offset } : INVALID;
  }
  if (!/^(0|[1-9]\d{0,128})$/.test(value)) return INVALID;
  let n = BigInt(value);
  // Small numbers read as if AWS's version-0 marker were in front of them.
  if (n < TWO_124) n += TWO_124;
  const hex = n.toString(16);
  if (n < TWO_129) {
    const shardCreatedSeconds = parseInt(hex.slice(1, 10), 16);
    if (shardCreatedSeconds >= MAX_CREATE_SECONDS) return INVALID;
    return { kind: 'aws', version: 0, shardIndex: parseInt(hex.slice(28, 32), 16), shardCreatedSeconds, sequenceIndex: 0n, seconds: 0 };
  }
  if (n <= TWO_185 || n >= TWO_185_AND_HALF || hex.length !== HEX_DIGITS) return INVALID;
  const version = parseInt(hex[HEX_DIGITS - 1]!, 16);
  const shardCreatedSeconds = parseInt(hex.slice(1, 10), 16);
  if (version === 1) {
    return {
      kind: 'aws',
      version: 1,
      shardIndex: parseInt(hex.slice(38, 46), 16),
      shardCreatedSeconds,
      sequenceIndex: BigInt(parseInt(hex.slice(36, 38), 16)),
      seconds: parseInt(hex.slice(13, 22), 16),
    };
  }
  if (version !== 2) return INVALID;
  if (parseInt(hex[11]!, 16) > 7 || shardCreatedSeconds >= MAX_CREATE_SECONDS) return INVALID;
  // An index with its top bit set reads as negative, as AWS's signed 32-bit field does.
  const shardIndex = parseInt(hex.slice(38, 46), 16) | 0;
  return {
    kind: 'aws',
    version: 2,
    shardIndex,
    shardCreatedSeconds,
    sequenceIndex: BigInt(`0x${hex.slice(11, 27)}`),
    seconds: parseInt(hex.slice(29, 38), 16),
  };
}

/** The position a number this store issued (now or in earlier versions) names; undefined for anything else. */
export function parseSequenceNumber(value: string): SequencePosition | undefined {
  const d = decodeSequenceNumber(value);
  if (d.kind === 'legacy') return { shardIndex: d.shardIndex, offset: d.offset, end: false, shardCreatedSeconds: undefined, timestamp: undefined };
  if (d.kind !== 'aws' || d.version !== 2 || d.shardIndex < 0) return undefined;
  const end = d.sequenceIndex === END_INDEX;
  const offset = end ? Number.MAX_SAFE_INTEGER : Number(d.sequenceIndex) - 1;
  if (!end && !Number.isSafeInteger(offset + 1)) return undefined;
  return { shardIndex: d.shardIndex, offset, end, shardCreatedSeconds: d.shardCreatedSeconds, timestamp: d.seconds * 1000 };
}

/** The number of the same shard at `offset`, keeping the arrival time `reference` carries (its format too). */
export function sequenceNumberAtOffset(reference: string, offset: number): string | undefined {
  const d = decodeSequenceNumber(reference);
  if (d.kind === 'legacy') return legacySequenceNumber(d.shardIndex, offset);
  if (d.kind !== 'aws' || d.version !== 2) return undefined;
  return new ShardSequenceNumbers(d.shardIndex, d.shardCreatedSeconds * 1000).at(offset, d.seconds * 1000);
}

/** A 30-digit number of the earlier format; only to refer back to positions in that format. */
function legacySequenceNumber(shardIndex: number, offset: number): string {
  return `49${String(shardIndex).padStart(8, '0')}${String(offset).padStart(20, '0')}`;
}

const hexField = (value: number | bigint, digits: number): string => value.toString(16).padStart(digits, '0').slice(-digits);

/** The number with every field given, through BigInt: for the rare numbers, not for every record. */
function composeSequenceNumber(shardIndex: number, createdSeconds: number, sequenceIndex: bigint, seconds: number): string {
  const hex =
    '2' +
    hexField(createdSeconds, 9) +
    hexField(shardIndex & 15, 1) +
    hexField(sequenceIndex, 16) +
    '00' +
    hexField(seconds, 9) +
    hexField(shardIndex >>> 0, 8) +
    '2';
  return BigInt(`0x${hex}`).toString();
}

// ---- per-record formatting ------------------------------------------------------------------------
//
// A record's number is C + (offset + 1)·2^80 + seconds·2^36, with C fixed per shard. Built with BigInt for
// every record it would cost more than reading the record, so the sum is done in eight base-10^7 limbs of
// plain numbers (every partial product stays below 2^53), and the upper 28 digits, which change only every
// few thousand offsets, are kept between records.

const LIMB = 1e7;
const LIMBS = 8;
const SPLIT = 67108864; // 2^26: the offset is added as two halves so no product passes 2^53

function limbsOf(value: bigint): Float64Array {
  const out = new Float64Array(LIMBS);
  let v = value;
  for (let i = 0; i < LIMBS; i++) {
    out[i] = Number(v % 10000000n);
    v /= 10000000n;
  }
  return out;
}

const P80 = limbsOf(1n << 80n);
const P106 = limbsOf(1n << 106n);

/** ASCII digit triples and quadruples as little-endian words, for writing 7 digits in two stores. */
const DIGITS4 = new Uint32Array(10000);
const DIGITS3 = new Uint32Array(1000);
for (let i = 0; i < 10000; i++) {
  const s = String(i).padStart(4, '0');
  DIGITS4[i] = (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
  if (i < 1000) DIGITS3[i] = s.charCodeAt(1) | (s.charCodeAt(2) << 8) | (s.charCodeAt(3) << 16);
}

function put7(view: DataView, at: number, limb: number): void {
  const high = (limb / 10000) | 0;
  view.setUint32(at, DIGITS3[high]!, true);
  view.setUint32(at + 3, DIGITS4[limb - high * 10000]!, true);
}

/**
 * One shard's sequence numbers. Reads and puts format one per record, so `at` is kept cheap: it reuses
 * the shard's constant part, the part for the last arrival second seen and the upper digits of the last
 * number made.
 */
export class ShardSequenceNumbers {
  private readonly constant: bigint;
  /** 56 digits and 4 bytes of room for the last 32-bit store. */
  private readonly scratch = Buffer.alloc(60);
  private readonly view = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length);
  private readonly base = new Float64Array(LIMBS);
  private baseSeconds = Number.NaN;
  private topHigh = -1;
  private topCarry = -1;
  private startingText: string | undefined;

  constructor(
    readonly shardIndex: number,
    /** Epoch ms; the number carries whole seconds. */
    readonly shardCreatedAt: number,
  ) {
    if (!Number.isInteger(shardIndex) || shardIndex < 0 || shardIndex > 0x7fffffff) throw new RangeError(`shard index ${shardIndex} does not fit a sequence number`);
    const created = BigInt(this.createdSeconds);
    const index = BigInt(shardIndex);
    this.constant = (2n << 184n) + (created << 148n) + ((index & 15n) << 144n) + (index << 4n) + 2n;
  }

  get createdSeconds(): number {
    return Math.floor(this.shardCreatedAt / 1000);
  }

  /** The shard's StartingSequenceNumber: before its first record. */
  starting(): string {
    return (this.startingText ??= composeSequenceNumber(this.shardIndex, this.createdSeconds, 0n, this.createdSeconds));
  }

  /** The EndingSequenceNumber of the shard once closed at `closedAt` (epoch ms): after its last record. */
  ending(closedAt: number): string {
    return composeSequenceNumber(this.shardIndex, this.createdSeconds, END_INDEX, Math.floor(closedAt / 1000));
  }

  /** The number of the record at `offset` that arrived at `arrivalTimestamp` (epoch ms). */
  at(offset: number, arrivalTimestamp: number): string {
    const seconds = Math.floor(arrivalTimestamp / 1000);
    if (seconds !== this.baseSeconds) this.setSeconds(seconds);
    const index = offset + 1;
    const high = Math.floor(index / SPLIT);
    const low = index - high * SPLIT;
    const base = this.base;
    let t = base[0]! + low * P80[0]! + high * P106[0]!;
    let carry = Math.floor(t / LIMB);
    const l0 = t - carry * LIMB;
    t = base[1]! + low * P80[1]! + high * P106[1]! + carry;
    carry = Math.floor(t / LIMB);
    const l1 = t - carry * LIMB;
    t = base[2]! + low * P80[2]! + high * P106[2]! + carry;
    carry = Math.floor(t / LIMB);
    const l2 = t - carry * LIMB;
    t = base[3]! + low * P80[3]! + high * P106[3]! + carry;
    carry = Math.floor(t / LIMB);
    const l3 = t - carry * LIMB;
    if (high !== this.topHigh || carry !== this.topCarry) this.setTop(high, carry);
    const view = this.view;
    put7(view, 28, l3);
    put7(view, 35, l2);
    put7(view, 42, l1);
    put7(view, 49, l0);
    return this.scratch.toString('latin1', 0, 56);
  }

  private setSeconds(seconds: number): void {
    this.baseSeconds = seconds;
    this.base.set(limbsOf(this.constant + (BigInt(seconds) << 36n)));
    this.topHigh = -1;
  }

  /** Digits 1–28, from the upper four limbs and what the lower four carry into them. */
  private setTop(high: number, carry: number): void {
    this.topHigh = high;
    this.topCarry = carry;
    const base = this.base;
    let t = base[4]! + high * P106[4]! + carry;
    let c = Math.floor(t / LIMB);
    const l4 = t - c * LIMB;
    t = base[5]! + c;
    c = Math.floor(t / LIMB);
    const l5 = t - c * LIMB;
    t = base[6]! + c;
    c = Math.floor(t / LIMB);
    const l6 = t - c * LIMB;
    const l7 = base[7]! + c;
    const view = this.view;
    put7(view, 0, l7);
    put7(view, 7, l6);
    put7(view, 14, l5);
    put7(view, 21, l4);
  }
}

/** The same number through BigInt, for tests that check the fast path against it. */
export function sequenceNumberOf(shardIndex: number, shardCreatedAt: number, offset: number, arrivalTimestamp: number): string {
  return composeSequenceNumber(shardIndex, Math.floor(shardCreatedAt / 1000), BigInt(offset + 1), Math.floor(arrivalTimestamp / 1000));
}
