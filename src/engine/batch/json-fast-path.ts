// A byte-level reader for the common shape of JSON records: one flat object whose wanted values are
// strings without escapes, numbers, booleans or null. It writes values straight into column buffers
// (text as bytes, never as JS strings) and declines anything else (escapes, nested values, strings in
// numeric columns, duplicate keys, malformed text) so the record goes through JSON.parse instead, which
// keeps the result identical to the general path.
import { parseIsoUtcBytes } from './timestamp.js';

/** How a column takes its value: as text bytes, a timestamp, a number, a boolean, or a number's own digits (DECIMAL). */
export const FastKind = { Text: 0, Time: 1, Number: 2, Boolean: 3, Decimal: 4 } as const;
export type FastKind = (typeof FastKind)[keyof typeof FastKind];

/** Where the fast path writes one column's value for a row. */
export interface FastSink {
  setNull(row: number): void;
  /** UTF-8 bytes data[a, b) as the value (text columns). */
  setUtf8(row: number, data: Uint8Array, a: number, b: number): void;
  /** A number or boolean, converted and checked as the general path would. */
  set(row: number, value: unknown): void;
  /** A number for a numeric or TIMESTAMP column: `set` for a value known to be a number, unboxed. */
  setNumber(row: number, value: number): void;
  /**
   * DECIMAL columns: a number written without an exponent in at most 15 digits, as the integer of its
   * digits and how many of them follow the point (`-12.50` is -1250 and 2), so no text is built.
   */
  setScaled?(row: number, digits: number, fraction: number): void;
}

export interface FastField {
  /** UTF-8 bytes of the top-level key. */
  readonly key: Uint8Array;
  readonly kind: FastKind;
  readonly sink: FastSink;
}

/**
 * The keys of the records before, by position, with the field each one is (or -1): records of a stream
 * mostly list the same keys in the same order, so a key is compared with the one remembered at its
 * position instead of being scanned and looked up among the fields. Bounded: the first MEMO_KEYS keys of
 * at most MEMO_KEY_BYTES bytes each. Belongs to one list of fields (its indexes are theirs).
 */
export class KeyMemo {
  readonly bytes = new Uint8Array(MEMO_KEYS * MEMO_KEY_BYTES);
  /** Length of the key remembered at each position, or -1 for none. */
  readonly lengths = new Int32Array(MEMO_KEYS).fill(-1);
  readonly fields = new Int32Array(MEMO_KEYS);
}
const MEMO_KEYS = 32;
const MEMO_KEY_BYTES = 32;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

function skipWs(d: Uint8Array, i: number, n: number): number {
  while (i < n) {
    const c = d[i]!;
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** End of a string's content starting after its opening quote, or -1 (escape, control byte, unterminated). */
function stringEnd(d: Uint8Array, i: number, n: number): number {
  for (; i < n; i++) {
    const c = d[i]!;
    // Most text is letters, all above the backslash (92): one comparison for them.
    if (c > 92) continue;
    if (c === 34) return i;
    if (c === 92 || c < 32) return -1;
  }
  return -1;
}

let numberValue = 0;
/** The last number read, when it had no exponent and at most 15 digits: its digits as an integer (signed), and how many follow the point; fraction -1 otherwise. */
let numberDigits = 0;
let numberFraction = -1;

/** Reads a JSON number at i into `numberValue`; returns its end, or -1 if the text is not a JSON number. */
function readNumber(d: Uint8Array, i: number, n: number): number {
  const start = i;
  let negative = false;
  if (d[i] === 45) {
    negative = true;
    i++;
  }
  if (i >= n) return -1;
  let mantissa = 0;
  let digits = 0;
  let c = d[i]!;
  if (c === 48) {
    i++;
  } else if (c >= 49 && c <= 57) {
    while (i < n && (c = d[i]!) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      i++;
    }
  } else return -1;
  let fraction = 0;
  if (i < n && d[i] === 46) {
    i++;
    const f0 = i;
    while (i < n && (c = d[i]!) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      i++;
    }
    fraction = i - f0;
    if (fraction === 0) return -1;
  }
  let exponent = false;
  if (i < n && (d[i] === 101 || d[i] === 69)) {
    exponent = true;
    i++;
    if (i < n && (d[i] === 43 || d[i] === 45)) i++;
    const e0 = i;
    while (i < n && (c = d[i]!) >= 48 && c <= 57) i++;
    if (i === e0) return -1;
  }
  if (!exponent && digits <= 15 && fraction < POW10.length) {
    // Both operands are exact doubles, so the division is correctly rounded (as Number() would be).
    const v = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
    numberValue = negative ? -v : v;
    numberDigits = negative ? -mantissa : mantissa;
    numberFraction = fraction;
  } else {
    numberFraction = -1;
    let text = '';
    for (let k = start; k < i; k++) text += String.fromCharCode(d[k]!);
    numberValue = Number(text);
  }
  return i;
}

/** Bytes [a, b) of ASCII text (a JSON number) as a string. */
function asciiText(d: Uint8Array, a: number, b: number): string {
  let text = '';
  for (let k = a; k < b; k++) text += String.fromCharCode(d[k]!);
  return text;
}

function literal(d: Uint8Array, i: number, n: number, word: readonly number[]): boolean {
  if (i + word.length > n) return false;
  for (let k = 0; k < word.length; k++) if (d[i + k] !== word[k]) return false;
  return true;
}
const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

/**
 * Reads one record into the fields' sinks for `row`. Returns false, having possibly written some of
 * the row's text values, when the record needs the general path (the caller rolls those back).
 * `seen` has one slot per field; `mark` must differ from every earlier call's.
 */
export function scanFlatJson(d: Uint8Array, fields: readonly FastField[], row: number, seen: Int32Array, mark: number, memo: KeyMemo): boolean {
  const n = d.length;
  const memoBytes = memo.bytes;
  let position = 0;
  let i = skipWs(d, 0, n);
  if (d[i] !== 123) return false;
  i = skipWs(d, i + 1, n);
  if (d[i] === 125) i++;
  else {
    for (;;) {
      if (d[i] !== 34) return false;
      const ka = i + 1;
      let kb = -1;
      let f = -1;
      const remembered = position < MEMO_KEYS ? memo.lengths[position]! : -1;
      if (remembered >= 0 && ka + remembered < n && d[ka + remembered] === 34) {
        // The key's bytes were checked (no quote, escape or control byte) when they were remembered.
        const base = position * MEMO_KEY_BYTES;
        let j = 0;
        while (j < remembered && memoBytes[base + j] === d[ka + j]) j++;
        if (j === remembered) {
          kb = ka + remembered;
          f = memo.fields[position]!;
        }
      }
      if (kb < 0) {
        kb = stringEnd(d, ka, n);
        if (kb < 0) return false;
        const klen = kb - ka;
        for (let k = 0; k < fields.length; k++) {
          const key = fields[k]!.key;
          if (key.length !== klen) continue;
          let j = 0;
          while (j < klen && key[j] === d[ka + j]) j++;
          if (j === klen) {
            f = k;
            break;
          }
        }
        if (position < MEMO_KEYS) {
          const fits = klen <= MEMO_KEY_BYTES;
          if (fits) memoBytes.set(d.subarray(ka, kb), position * MEMO_KEY_BYTES);
          memo.lengths[position] = fits ? klen : -1;
          memo.fields[position] = f;
        }
      }
      position++;
      i = skipWs(d, kb + 1, n);
      if (d[i] !== 58) return false;
      i = skipWs(d, i + 1, n);
      const c = d[i];
      if (f >= 0) {
        if (seen[f] === mark) return false;
        seen[f] = mark;
      }
      const field = f >= 0 ? fields[f]! : undefined;
      if (c === 34) {
        const va = i + 1;
        const vb = stringEnd(d, va, n);
        if (vb < 0) return false;
        if (field) {
          if (field.kind === FastKind.Text) field.sink.setUtf8(row, d, va, vb);
          else if (field.kind === FastKind.Time) {
            const t = parseIsoUtcBytes(d, va, vb);
            if (t === undefined) return false;
            field.sink.setNumber(row, t);
          } else return false;
        }
        i = vb + 1;
      } else if (c === 110) {
        if (!literal(d, i, n, NULL)) return false;
        field?.sink.setNull(row);
        i += 4;
      } else if (c === 116 || c === 102) {
        const word = c === 116 ? TRUE : FALSE;
        if (!literal(d, i, n, word)) return false;
        if (field) {
          if (field.kind !== FastKind.Boolean) return false;
          field.sink.set(row, c === 116);
        }
        i += word.length;
      } else if (c === 45 || (c !== undefined && c >= 48 && c <= 57)) {
        const end = readNumber(d, i, n);
        if (end < 0) return false;
        if (field) {
          if (field.kind === FastKind.Decimal) {
            if (numberFraction >= 0 && field.sink.setScaled) field.sink.setScaled(row, numberDigits, numberFraction);
            else field.sink.set(row, asciiText(d, i, end));
          } else if (field.kind !== FastKind.Number && field.kind !== FastKind.Time) return false;
          else field.sink.setNumber(row, numberValue);
        }
        i = end;
      } else return false;
      i = skipWs(d, i, n);
      if (d[i] === 44) {
        i = skipWs(d, i + 1, n);
        continue;
      }
      if (d[i] === 125) {
        i++;
        break;
      }
      return false;
    }
  }
  if (skipWs(d, i, n) !== n) return false;
  for (let k = 0; k < fields.length; k++) if (seen[k] !== mark) fields[k]!.sink.setNull(row);
  return true;
}
