// Bounds on the structure of a JSON or CBOR request body, checked by one linear scan of its bytes before
// a parser sees it. JSON.parse takes seconds and hundreds of megabytes over 10 MB of `[[[[…` (nesting),
// and cbor2 over a few megabytes of one-byte items (width): no operation takes either, so such a body is
// refused for the cost of a scan (about 0.1 ms for a 70 KB PutRecords body, 0.2 ms for 10 MB of record
// data, whose strings are skipped with indexOf).

/**
 * Deepest nesting of objects and arrays (maps, arrays and tags in CBOR) a body may have. The deepest
 * Kinesis or Firehose input is 7 levels (a Firehose destination's processor parameters); the AWS routes
 * refuse at start-up an operation whose input shape is deeper than this.
 */
export const MAX_BODY_NESTING = 32;

/**
 * Most values (members, elements, items) a body may hold. The widest valid inputs hold a few thousand
 * (PutRecords: 500 records of three members); a 10 MB body of tiny values holds millions.
 */
export const MAX_BODY_VALUES = 100_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

const tooDeep = (): string => `it is nested deeper than ${MAX_BODY_NESTING} levels`;
const tooWide = (): string => `it holds more than ${MAX_BODY_VALUES} values`;

/**
 * Why a JSON body exceeds the bounds (a phrase: "it is nested deeper than 32 levels"), or undefined when
 * it does not. Only the structure is looked at: a malformed body is left for the parser to refuse.
 */
export function jsonBodyExcess(bytes: Buffer): string | undefined {
  let depth = 0;
  let values = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      // A string ends at the first quote preceded by an even number of backslashes.
      let end = bytes.indexOf(QUOTE, i + 1);
      while (end > 0 && bytes[end - 1] === BACKSLASH) {
        let k = end - 1;
        while (bytes[k] === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = bytes.indexOf(QUOTE, end + 1);
      }
      if (end < 0) return undefined;
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > MAX_BODY_NESTING) return tooDeep();
      if (++values > MAX_BODY_VALUES) return tooWide();
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COMMA) {
      if (++values > MAX_BODY_VALUES) return tooWide();
    }
  }
  return undefined;
}

/** Marks a container of indefinite length (closed by a break byte) on the CBOR scan's stack. */
const INDEFINITE = -1;

/**
 * The same for a CBOR body (RFC 8949): arrays, maps and tags nest, and every data item counts as a value.
 * Strings are skipped by their length.
 */
export function cborBodyExcess(bytes: Buffer): string | undefined {
  const n = bytes.length;
  /** Items still to come in each open container, innermost last (INDEFINITE until its break). */
  const open: number[] = [];
  let values = 0;
  let at = 0;
  while (at < n) {
    const initial = bytes[at++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7 && info === 31) {
      // A break closes the innermost indefinite container, which then counts as one finished item.
      if (open.length === 0 || open[open.length - 1] !== INDEFINITE) return undefined;
      open.pop();
    } else {
      if (++values > MAX_BODY_VALUES) return tooWide();
      // The argument (a length, a count or a value) follows in 0, 1, 2, 4 or 8 bytes.
      let argument: number;
      if (info < 24) argument = info;
      else if (info === 31 && major >= 2 && major <= 5) argument = INDEFINITE;
      else if (info > 27) return undefined;
      else {
        const size = 1 << (info - 24);
        if (at + size > n) return undefined;
        argument = size === 1 ? bytes[at]! : size === 2 ? bytes.readUInt16BE(at) : size === 4 ? bytes.readUInt32BE(at) : Number(bytes.readBigUInt64BE(at));
        at += size;
      }
      let items = 0;
      if (major === 2 || major === 3) {
        if (argument === INDEFINITE) items = INDEFINITE;
        else at += argument;
      } else if (major === 4) items = argument;
      else if (major === 5) items = argument === INDEFINITE ? INDEFINITE : 2 * argument;
      else if (major === 6) items = 1;
      if (items !== 0) {
        if (open.length === MAX_BODY_NESTING) return tooDeep();
        open.push(items);
        continue;
      }
    }
    // One item finished: count it against its container, closing every container it completes.
    while (open.length > 0 && open[open.length - 1] !== INDEFINITE) {
      const left = open[open.length - 1]! - 1;
      if (left > 0) {
        open[open.length - 1] = left;
        break;
      }
      open.pop();
    }
    if (open.length === 0) return undefined;
  }
  return undefined;
}
