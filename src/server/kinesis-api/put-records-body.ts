// The common PutRecords request read straight from its JSON bytes, without JSON.parse: the body of an SDK
// or agent is an object with StreamName/StreamARN and Records, each record with Data, PartitionKey and
// perhaps ExplicitHashKey, all plain strings. Parsing that into objects and strings first, then decoding
// every record's base64 on its own, cost more than storing the records.
//
// One pass over the bytes finds the strings; the records' base64 texts are gathered into one buffer and
// decoded by one native call; the partition keys are copied out of the body into one string they are
// slices of. Anything outside that narrow form (escapes, non-ASCII text, other members, numbers, nulls,
// repeated members, invalid base64) returns undefined, and the request then takes the generic path
// (JSON.parse and the validator), which answers exactly as before.

import { base64TailIsClean, convertIfValid, type StructureShape } from '../aws-protocol/shape.js';
import type { PutRecordsEntryInput, PutRecordsInput } from './put-records-input.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const EQUALS = 0x3d;
const LETTER_A = 0x41;
const MAX_PARTITION_KEY = 256;
const HASH_KEY = /^(0|([1-9]\d{0,38}))$/;

/** Member names, matched byte for byte after the opening quote (closing quote included). */
const name = (text: string): Uint8Array => Uint8Array.from(`${text}"`, (c) => c.charCodeAt(0));
const STREAM_NAME = name('StreamName');
const STREAM_ARN = name('StreamARN');
const RECORDS = name('Records');
const DATA = name('Data');
const PARTITION_KEY = name('PartitionKey');
const EXPLICIT_HASH_KEY = name('ExplicitHashKey');

/**
 * Scratch space for the gathered base64 texts and partition keys, kept between requests up to this size
 * (the body limit bounds a request; larger bodies use buffers of their own).
 */
const REUSED_SCRATCH_BYTES = 1024 * 1024;
let reusedScratch: Buffer = Buffer.alloc(0);
let dataLengths = new Int32Array(0);
let keyEnds = new Int32Array(0);

function scratchFor(bytes: number): Buffer {
  if (reusedScratch.length >= bytes) return reusedScratch;
  const buf = Buffer.allocUnsafe(bytes);
  if (bytes <= REUSED_SCRATCH_BYTES) reusedScratch = buf;
  return buf;
}

/** Steps through the body's one concrete form; member() and plainStringEnd() return -1 when the body is not of it. */
class Scanner {
  constructor(readonly body: Buffer) {}

  /** Position of the first non-whitespace byte at or after `at`. */
  skip(at: number): number {
    const body = this.body;
    const n = body.length;
    while (at < n) {
      const c = body[at];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return at;
      at++;
    }
    return at;
  }

  /** Matches a member name (the opening quote at `at`) and the colon after it; position of the value. */
  member(at: number, expected: Uint8Array): number {
    const body = this.body;
    for (let i = 0; i < expected.length; i++) if (body[at + 1 + i] !== expected[i]) return -1;
    at = this.skip(at + 1 + expected.length);
    return body[at] === COLON ? this.skip(at + 1) : -1;
  }

  /** End (closing quote) of a string of printable ASCII without escapes starting at `at` (its opening quote). */
  plainStringEnd(at: number): number {
    const body = this.body;
    if (body[at] !== QUOTE) return -1;
    for (let i = at + 1; i < body.length; i++) {
      const c = body[i]!;
      if (c === QUOTE) return i;
      if (c < 0x20 || c >= 0x7f || c === BACKSLASH) return -1;
    }
    return -1;
  }
}

/**
 * `targetShape` holds the members that name the stream; `maxRecords` and `maxDataBytes` are the model's
 * list and blob limits.
 */
export function putRecordsFromBody(
  targetShape: StructureShape,
  maxRecords: number,
  maxDataBytes: number,
): (body: Buffer) => PutRecordsInput | undefined {
  return (body) => {
    const n = body.length;
    if (n === 0) return undefined;
    const s = new Scanner(body);
    // Base64 texts are gathered at the front of a copy of the body: each moves left, never over text not
    // yet moved. Partition keys are gathered after them, in the same buffer's second half.
    const scratch = scratchFor(2 * n);
    scratch.set(body, 0);
    let gathered = 0;
    let keyBytes = n;
    // Per record: how many bytes its data decodes to and where its key ends in the key area (arrays kept
    // between requests, `maxRecords` long), and its hash key where it has one.
    if (dataLengths.length < maxRecords) {
      dataLengths = new Int32Array(maxRecords);
      keyEnds = new Int32Array(maxRecords);
    }
    let count = 0;
    let hashKeys: (string | undefined)[] | undefined;
    let streamName: string | undefined;
    let streamARN: string | undefined;
    let sawRecords = false;

    let at = s.skip(0);
    if (body[at] !== OPEN_BRACE) return undefined;
    at = s.skip(at + 1);
    for (;;) {
      if (body[at] !== QUOTE) return undefined;
      const first = body[at + 1];
      if (first === 0x52 /* R */) {
        if (sawRecords) return undefined;
        sawRecords = true;
        at = s.member(at, RECORDS);
        if (at < 0 || body[at] !== OPEN_BRACKET) return undefined;
        at = s.skip(at + 1);
        for (;;) {
          if (body[at] !== OPEN_BRACE || count >= maxRecords) return undefined;
          at = s.skip(at + 1);
          let dataLength = -1;
          let keyEnd = -1;
          let hashKey: string | undefined;
          for (;;) {
            if (body[at] !== QUOTE) return undefined;
            const m = body[at + 1];
            if (m === 0x44 /* D */) {
              if (dataLength >= 0) return undefined;
              at = s.member(at, DATA);
              if (at < 0 || body[at] !== QUOTE) return undefined;
              const start = at + 1;
              const end = body.indexOf(QUOTE, start);
              const len = end - start;
              if (end < 0 || len % 4 !== 0) return undefined;
              // A quote inside an escape ends the text early; the backslash left in it then fails the decode.
              scratch.copyWithin(gathered, start, end);
              let padding = 0;
              if (len > 0 && body[end - 1] === EQUALS) {
                padding = body[end - 2] === EQUALS ? 2 : 1;
                if (!base64TailIsClean(body[end - 1 - padding]!, padding)) return undefined;
                // Padding becomes zero bits so the texts can be decoded as one; the lengths cut it off again.
                scratch[gathered + len - 1] = LETTER_A;
                if (padding === 2) scratch[gathered + len - 2] = LETTER_A;
              }
              gathered += len;
              dataLength = (len / 4) * 3 - padding;
              if (dataLength > maxDataBytes) return undefined;
              at = end + 1;
            } else if (m === 0x50 /* P */) {
              if (keyEnd >= 0) return undefined;
              at = s.member(at, PARTITION_KEY);
              if (at < 0) return undefined;
              if (body[at] !== QUOTE) return undefined;
              // Keys are short: copied while they are checked, byte by byte.
              const start = keyBytes;
              let i = at + 1;
              for (; i < n; i++) {
                const c = body[i]!;
                if (c === QUOTE) break;
                if (c < 0x20 || c >= 0x7f || c === BACKSLASH) return undefined;
                scratch[keyBytes++] = c;
              }
              if (i >= n) return undefined;
              at = i + 1;
              const len = keyBytes - start;
              if (len < 1 || len > MAX_PARTITION_KEY) return undefined;
              keyEnd = keyBytes;
            } else if (m === 0x45 /* E */) {
              if (hashKey !== undefined) return undefined;
              at = s.member(at, EXPLICIT_HASH_KEY);
              if (at < 0) return undefined;
              const end = s.plainStringEnd(at);
              if (end < 0) return undefined;
              hashKey = body.toString('latin1', at + 1, end);
              if (!HASH_KEY.test(hashKey)) return undefined;
              at = end + 1;
            } else return undefined;
            at = s.skip(at);
            if (body[at] === COMMA) at = s.skip(at + 1);
            else if (body[at] === CLOSE_BRACE) break;
            else return undefined;
          }
          if (dataLength < 0 || keyEnd < 0) return undefined;
          dataLengths[count] = dataLength;
          keyEnds[count] = keyEnd;
          if (hashKey !== undefined) (hashKeys ??= [])[count] = hashKey;
          count++;
          at = s.skip(at + 1);
          if (body[at] === COMMA) at = s.skip(at + 1);
          else if (body[at] === CLOSE_BRACKET) break;
          else return undefined;
        }
        at = at + 1;
      } else if (first === 0x53 /* S */) {
        const arn = body[at + 7] === 0x41; /* 'StreamA' */
        at = s.member(at, arn ? STREAM_ARN : STREAM_NAME);
        if (at < 0) return undefined;
        const end = s.plainStringEnd(at);
        if (end < 0) return undefined;
        const value = body.toString('latin1', at + 1, end);
        if (arn) {
          if (streamARN !== undefined) return undefined;
          streamARN = value;
        } else {
          if (streamName !== undefined) return undefined;
          streamName = value;
        }
        at = end + 1;
      } else return undefined;
      at = s.skip(at);
      if (body[at] === COMMA) at = s.skip(at + 1);
      else if (body[at] === CLOSE_BRACE) break;
      else return undefined;
    }
    if (s.skip(at + 1) !== n || !sawRecords) return undefined;

    const target = convertIfValid(targetShape, { StreamName: streamName, StreamARN: streamARN }, 'json') as
      | { StreamName?: string; StreamARN?: string }
      | undefined;
    if (target === undefined) return undefined;

    // Node's decoder skips characters outside the alphabet (and stops at padding), so anything but valid
    // base64 in any record decodes to fewer bytes than the texts' length promises.
    const bytes = Buffer.allocUnsafe((gathered / 4) * 3);
    if (gathered > 0 && bytes.write(scratch.toString('latin1', 0, gathered), 0, 'base64') !== bytes.length) return undefined;
    const keys = scratch.toString('latin1', n, keyBytes);

    const records = new Array<PutRecordsEntryInput>(count);
    // Plain views (Buffer#subarray goes through a slower species constructor; the logs copy the bytes),
    // made from the buffer and offset read once: the getters cost as much as the view itself.
    const arrayBuffer = bytes.buffer;
    let dataAt = bytes.byteOffset;
    let keyAt = 0;
    for (let i = 0; i < count; i++) {
      const length = dataLengths[i]!;
      const data = new Uint8Array(arrayBuffer, dataAt, length);
      dataAt += (((length + 2) / 3) | 0) * 3;
      const keyEnd = keyEnds[i]! - n;
      const partitionKey = keys.substring(keyAt, keyEnd);
      keyAt = keyEnd;
      const hashKey = hashKeys?.[i];
      records[i] = hashKey === undefined ? { Data: data, PartitionKey: partitionKey } : { Data: data, PartitionKey: partitionKey, ExplicitHashKey: hashKey };
    }
    const input: PutRecordsInput = { Records: records };
    if (target.StreamName !== undefined) input.StreamName = target.StreamName;
    if (target.StreamARN !== undefined) input.StreamARN = target.StreamARN;
    return input;
  };
}
