// Decodes stream records (JSON or CSV bytes) straight into Arrow column buffers: typed arrays and UTF-8
// offsets filled in one pass, wrapped with makeData. A record that does not decode is skipped and
// counted; it never fails the batch.
import { makeData } from 'apache-arrow';
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import type { DataType } from '../plan/expr.js';
import { decimalParams, isDecimal } from '../plan/decimal.js';
import { decimalFromDouble, formatDecimal, parseDecimal } from './decimal-values.js';
import { parseJsonKeepingDigits } from './json-text.js';
import type { ColumnSchema, RecordFormat } from '../plan/schema.js';
import type { StreamRecord } from '../stream/stream-store.js';
import { expandAggregates } from '../kpl/index.js';
import { EddyError } from '../errors.js';
import { SYSTEM_COLUMNS, arrowSchema, arrowTypeOf, makeBatch } from './arrow-types.js';
import { splitCsvRecord } from './csv.js';
import { int32View } from './int64.js';
import { parseTimestamp } from './timestamp.js';
import { Utf8Writer } from './utf8.js';
import { FastKind, KeyMemo, scanFlatJson } from './json-fast-path.js';
import type { FastField } from './json-fast-path.js';

export interface DecodeResult {
  readonly batch: RecordBatch;
  /** Records skipped because they did not decode. */
  readonly errors: number;
  readonly lastError?: string;
  /** The record `lastError` is about. */
  readonly lastBad?: StreamRecord;
  /** Every record skipped, in order, with why (empty when none was). */
  readonly bad: readonly UndecodedRecord[];
}

/** A record that did not decode. */
export interface UndecodedRecord {
  readonly record: StreamRecord;
  /** What was wrong, as `lastError` says it: `record <sequence number> in shard <id>: <why>`. */
  readonly error: string;
  /** Its index in the KPL aggregate it came in, when it came in one. */
  readonly subSequenceNumber?: number;
}

const T_BOOLEAN = 0;
const T_INT = 1;
const T_BIGINT = 2;
const T_DOUBLE = 3;
const T_VARCHAR = 4;
const T_TIMESTAMP = 5;
const T_DECIMAL = 6;

function typeCode(type: DataType): number {
  switch (type) {
    case 'BOOLEAN':
      return T_BOOLEAN;
    case 'INT':
      return T_INT;
    case 'BIGINT':
      return T_BIGINT;
    case 'DOUBLE':
      return T_DOUBLE;
    case 'VARCHAR':
      return T_VARCHAR;
    case 'TIMESTAMP':
      return T_TIMESTAMP;
    default:
      return T_DECIMAL;
  }
}

class DecodeFailure extends Error {}

// Not fatal: invalid UTF-8 becomes U+FFFD rather than failing the record (and the lenient decoder is faster).
const utf8 = new TextDecoder('utf-8');
const TWO_32 = 4294967296;
/** 10^0 … 10^15, exact as doubles. */
const SCALES = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * Buffers for one column of one batch. A column nothing reads (`unread`) has none: every row of it is
 * NULL, written once when the batch is finished rather than row by row.
 */
class ColumnWriter {
  readonly code: number;
  readonly valid: Uint8Array;
  nulls = 0;
  f64: Float64Array | undefined;
  i32: Int32Array | undefined;
  i64: BigInt64Array | undefined;
  pairs: Int32Array | undefined;
  bits: Uint8Array | undefined;
  text: Utf8Writer | undefined;
  /** DECIMAL: Decimal128 as two 64-bit halves per row, low first. */
  halves: BigInt64Array | undefined;
  private words: Int32Array | undefined;
  private readonly precision: number = 0;
  private readonly scale: number = 0;

  constructor(
    readonly name: string,
    readonly type: DataType,
    capacity: number,
    readonly unread = false,
    /** Bytes a text column is expected to need (what the batch before needed per row). */
    textBytes = capacity * 16,
  ) {
    this.code = typeCode(type);
    this.valid = new Uint8Array(unread ? 0 : capacity);
    if (unread) return;
    switch (this.code) {
      case T_DOUBLE:
        this.f64 = new Float64Array(capacity);
        break;
      case T_INT:
        this.i32 = new Int32Array(capacity);
        break;
      case T_BIGINT:
      case T_TIMESTAMP:
        this.i64 = new BigInt64Array(capacity);
        this.pairs = int32View(this.i64);
        break;
      case T_BOOLEAN:
        this.bits = new Uint8Array((capacity + 7) >> 3);
        break;
      case T_VARCHAR:
        this.text = new Utf8Writer(capacity, textBytes);
        break;
      case T_DECIMAL:
        if (isDecimal(type)) ({ precision: this.precision, scale: this.scale } = decimalParams(type));
        this.halves = new BigInt64Array(2 * capacity);
        this.words = new Int32Array(this.halves.buffer);
        break;
    }
  }

  setNull(row: number): void {
    if (this.unread) return;
    this.valid[row] = 0;
    if (this.text) this.text.appendEmpty();
    else if (this.bits) this.bits[row >> 3]! &= ~(1 << (row & 7));
  }

  /**
   * A DECIMAL from the digits of a JSON number (at most 15, `fraction` after the point), rounded to the
   * column's scale HALF_UP in exact integer arithmetic on doubles, so no BigInt or text is made.
   */
  setScaled(row: number, digits: number, fraction: number): void {
    const { scale, precision } = this;
    let v: number;
    if (fraction <= scale) {
      v = scale - fraction < SCALES.length ? digits * SCALES[scale - fraction]! : NaN;
    } else {
      const d = SCALES[fraction - scale]!;
      const q = Math.trunc(digits / d);
      const r = Math.abs(digits - q * d);
      v = 2 * r >= d ? q + Math.sign(digits) : q;
    }
    if (!Number.isSafeInteger(v)) return this.set(row, formatDecimal(BigInt(digits), fraction));
    if (precision <= 15 && Math.abs(v) >= SCALES[precision]!) this.fail(formatDecimal(BigInt(digits), fraction), `more than ${precision - scale} digits before the point`);
    const words = this.words!;
    const hi = Math.floor(v / TWO_32);
    words[4 * row] = (v - hi * TWO_32) | 0;
    words[4 * row + 1] = hi;
    words[4 * row + 2] = words[4 * row + 3] = v < 0 ? -1 : 0;
    this.valid[row] = 1;
  }

  setUtf8(row: number, data: Uint8Array, a: number, b: number): void {
    this.text!.appendBytes(data, a, b);
    this.valid[row] = 1;
  }

  setInt64(row: number, v: number): void {
    const hi = Math.floor(v / TWO_32);
    const pairs = this.pairs!;
    pairs[2 * row] = (v - hi * TWO_32) | 0;
    pairs[2 * row + 1] = hi;
    this.valid[row] = 1;
  }

  /** What `set` does with a number, for a DOUBLE, INT, BIGINT or TIMESTAMP column. */
  setNumber(row: number, n: number): void {
    const code = this.code;
    if (code === T_DOUBLE) {
      this.f64![row] = n;
      this.valid[row] = 1;
    } else if (code === T_BIGINT) {
      if (!Number.isSafeInteger(n)) this.fail(n);
      this.setInt64(row, n);
    } else if (code === T_TIMESTAMP) {
      if (!Number.isFinite(n)) this.fail(n);
      this.setInt64(row, Math.floor(n));
    } else this.set(row, n);
  }

  /** Stores a JSON value (or a CSV field's text) converted to the column's type. */
  set(row: number, v: unknown): void {
    if (v === null || v === undefined) return this.setNull(row);
    switch (this.code) {
      case T_DOUBLE: {
        const n = typeof v === 'number' ? v : this.numberFromText(v);
        this.f64![row] = n;
        this.valid[row] = 1;
        return;
      }
      case T_INT: {
        const n = typeof v === 'number' ? v : this.numberFromText(v);
        if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) this.fail(v);
        this.i32![row] = n;
        this.valid[row] = 1;
        return;
      }
      case T_BIGINT: {
        const n = typeof v === 'number' ? v : this.numberFromText(v);
        if (!Number.isSafeInteger(n)) this.fail(v);
        return this.setInt64(row, n);
      }
      case T_TIMESTAMP: {
        let t: number | undefined;
        if (typeof v === 'number') t = Number.isFinite(v) ? Math.floor(v) : undefined;
        else if (typeof v === 'string') t = parseTimestamp(v);
        if (t === undefined) this.fail(v);
        return this.setInt64(row, t);
      }
      case T_VARCHAR:
        this.text!.append(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
        this.valid[row] = 1;
        return;
      case T_DECIMAL: {
        // Text (a JSON string, a CSV field, a JSON number's own digits) is read digit by digit; a number
        // JSON.parse gave has at most 15 significant digits (parseJsonKeepingDigits), which its shortest
        // text holds exactly.
        const d =
          typeof v === 'string' ? parseDecimal(v, this.precision, this.scale) : typeof v === 'number' ? decimalFromDouble(v, this.precision, this.scale) : undefined;
        if (d === undefined || d === null) this.fail(v, d === null ? `more than ${this.precision - this.scale} digits before the point` : undefined);
        const halves = this.halves!;
        halves[2 * row] = BigInt.asIntN(64, d);
        halves[2 * row + 1] = BigInt.asIntN(64, d >> 64n);
        this.valid[row] = 1;
        return;
      }
      case T_BOOLEAN: {
        let b: boolean;
        if (typeof v === 'boolean') b = v;
        else if (v === 'true' || v === 'TRUE' || v === 'True') b = true;
        else if (v === 'false' || v === 'FALSE' || v === 'False') b = false;
        else return this.fail(v);
        if (b) this.bits![row >> 3]! |= 1 << (row & 7);
        else this.bits![row >> 3]! &= ~(1 << (row & 7));
        this.valid[row] = 1;
        return;
      }
    }
  }

  /** A number written as text: "12.5", "1e3", "Infinity", and "NaN" (a DOUBLE may be NaN, as Flink's JSON format reads it; whole-number types refuse it). */
  private numberFromText(v: unknown): number {
    if (typeof v === 'string' && v.trim() !== '') {
      const n = Number(v);
      if (!Number.isNaN(n) || v.trim() === 'NaN') return n;
    }
    return this.fail(v);
  }

  private fail(v: unknown, why?: string): never {
    const shown = typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : JSON.stringify(v);
    throw new DecodeFailure(`column '${this.name}' expects ${this.type}, got ${shown}${why === undefined ? '' : `: ${why}`}`);
  }

  finish(rows: number): Data {
    if (this.unread) return nullColumn(this.type, rows);
    let nulls = 0;
    let bitmap: Uint8Array | undefined;
    const valid = this.valid;
    for (let i = 0; i < rows; i++) if (valid[i] === 0) nulls++;
    if (nulls > 0) {
      bitmap = new Uint8Array((rows + 7) >> 3);
      for (let i = 0; i < rows; i++) if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
    }
    const type = arrowTypeOf(this.type);
    const base = { type, length: rows, nullCount: nulls, nullBitmap: bitmap };
    switch (this.code) {
      case T_DOUBLE:
        return makeData({ ...base, data: this.f64!.subarray(0, rows) } as never);
      case T_INT:
        return makeData({ ...base, data: this.i32!.subarray(0, rows) } as never);
      case T_BIGINT:
      case T_TIMESTAMP:
        return makeData({ ...base, data: this.i64!.subarray(0, rows) } as never);
      case T_BOOLEAN:
        return makeData({ ...base, data: this.bits!.subarray(0, (rows + 7) >> 3) } as never);
      case T_DECIMAL:
        return makeData({ ...base, data: new Uint32Array(this.halves!.buffer, 0, 4 * rows) } as never);
      default:
        return makeData({ ...base, valueOffsets: this.text!.finishOffsets(), data: this.text!.finishBytes() } as never);
    }
  }
}

/** A column of `rows` NULLs of `type`: zeroed buffers, no bit of the validity bitmap set. */
function nullColumn(type: DataType, rows: number): Data {
  const base = { type: arrowTypeOf(type), length: rows, nullCount: rows, nullBitmap: new Uint8Array((rows + 7) >> 3) };
  switch (typeCode(type)) {
    case T_DOUBLE:
      return makeData({ ...base, data: new Float64Array(rows) } as never);
    case T_INT:
      return makeData({ ...base, data: new Int32Array(rows) } as never);
    case T_BIGINT:
    case T_TIMESTAMP:
      return makeData({ ...base, data: new BigInt64Array(rows) } as never);
    case T_BOOLEAN:
      return makeData({ ...base, data: new Uint8Array((rows + 7) >> 3) } as never);
    case T_DECIMAL:
      return makeData({ ...base, data: new Uint32Array(4 * rows) } as never);
    default:
      return makeData({ ...base, valueOffsets: new Int32Array(rows + 1), data: new Uint8Array(0) } as never);
  }
}

function fastKind(type: DataType): FastKind {
  if (isDecimal(type)) return FastKind.Decimal;
  return type === 'VARCHAR' ? FastKind.Text : type === 'TIMESTAMP' ? FastKind.Time : type === 'BOOLEAN' ? FastKind.Boolean : FastKind.Number;
}

interface JsonPath {
  readonly keys: readonly string[];
  /** The key also names something on Object.prototype, so an own-property check is needed. */
  readonly guarded: boolean;
}

/** The system columns' buffers of one batch, and which of them anything reads. */
interface RowBuffers {
  readonly arrivalPairs: Int32Array;
  readonly keys: Utf8Writer;
  readonly seqs: Utf8Writer;
  readonly subPairs: Int32Array;
  readonly wantKeys: boolean;
  readonly wantSeqs: boolean;
  readonly wantSubs: boolean;
  readonly subSequenceNumbers: Int32Array | undefined;
}

/** The records of one batch that did not decode. */
interface Tally {
  errors: number;
  lastError: string | undefined;
  lastBad: StreamRecord | undefined;
  readonly bad: UndecodedRecord[];
}

/** Row `row`'s system values from record `rec`, the `r`th of the batch. */
function addSystemValues(rec: StreamRecord, r: number, row: number, b: RowBuffers): void {
  const t = rec.arrivalTimestamp;
  const hi = Math.floor(t / TWO_32);
  b.arrivalPairs[2 * row] = (t - hi * TWO_32) | 0;
  b.arrivalPairs[2 * row + 1] = hi;
  if (b.wantKeys) b.keys.append(rec.partitionKey);
  else b.keys.appendEmpty();
  if (b.wantSeqs) b.seqs.append(rec.sequenceNumber);
  else b.seqs.appendEmpty();
  if (b.wantSubs) b.subPairs[2 * row] = b.subSequenceNumbers![r]!;
}

/** Counts record `rec` (the `r`th of the batch) as not decoded, dropping what it wrote to row `row`. */
function recordFailure(e: unknown, rec: StreamRecord, r: number, shardId: string, writers: readonly ColumnWriter[], row: number, b: RowBuffers, tally: Tally): void {
  for (const w of writers) w.text?.truncate(row);
  tally.errors++;
  const why = e instanceof DecodeFailure ? e.message : e instanceof Error ? e.message : String(e);
  const error = `record ${rec.sequenceNumber} in shard ${shardId}: ${why}`;
  tally.lastError = error;
  tally.lastBad = rec;
  tally.bad.push(b.subSequenceNumbers === undefined ? { record: rec, error } : { record: rec, error, subSequenceNumber: b.subSequenceNumbers[r]! });
}

export class RecordDecoder {
  readonly schema: Schema;
  readonly columns: readonly ColumnSchema[];
  private readonly paths: readonly JsonPath[];
  private readonly csvIndexes: readonly number[];
  private readonly delimiter: string;
  /** Per output column: whether anything reads it. Unread columns are left NULL without parsing. */
  private readonly wanted: readonly boolean[];
  /** Wanted declared columns for the byte-level JSON path (undefined when nested paths rule it out). */
  private readonly fast: readonly { column: number; key: Uint8Array; kind: FastKind }[] | undefined;
  private readonly seen: Int32Array;
  private readonly memo = new KeyMemo();
  /**
   * Per declared column, the text bytes per row of the last batch: a text column's buffer starts at about
   * what it will need, rather than growing (and copying) a few times per batch.
   */
  private readonly textBytesPerRow: Float64Array;
  private mark = 0;
  private zeros = new BigInt64Array(0);
  /** A DECIMAL column is read: numbers whose digits a double would lose keep them (parseJsonKeepingDigits). */
  private readonly exactNumbers: boolean;

  constructor(
    private readonly format: RecordFormat,
    private readonly declared: readonly ColumnSchema[],
    used?: ReadonlySet<number>,
  ) {
    this.columns = [...declared, ...SYSTEM_COLUMNS];
    this.schema = arrowSchema(this.columns);
    const mappings = format.mappings ?? {};
    for (const name of Object.keys(mappings)) {
      if (!declared.some((c) => c.name === name)) {
        throw new EddyError('ValidationException', `format mapping names unknown column '${name}'`);
      }
    }
    this.paths = declared.map((c) => {
      const m = Object.hasOwn(mappings, c.name) ? mappings[c.name] : undefined;
      if (format.kind === 'json' && m !== undefined && (!Array.isArray(m) || m.length === 0)) {
        throw new EddyError('ValidationException', `json mapping for column '${c.name}' must be a non-empty list of keys`);
      }
      const keys = format.kind === 'json' && Array.isArray(m) ? (m as readonly string[]) : [c.name];
      return { keys, guarded: keys.some((k) => k in Object.prototype) };
    });
    this.csvIndexes = declared.map((c, i) => {
      const m = Object.hasOwn(mappings, c.name) ? mappings[c.name] : undefined;
      if (format.kind === 'csv' && m !== undefined && (typeof m !== 'number' || !Number.isInteger(m) || m < 0)) {
        throw new EddyError('ValidationException', `csv mapping for column '${c.name}' must be a field index ≥ 0`);
      }
      return typeof m === 'number' ? m : i;
    });
    this.delimiter = format.delimiter ?? ',';
    this.wanted = this.columns.map((_, i) => used === undefined || used.has(i));
    const wantedDeclared = declared.map((c, i) => ({ c, i })).filter(({ i }) => this.wanted[i]);
    const flat = wantedDeclared.every(({ i }) => this.paths[i]!.keys.length === 1);
    const encoder = new TextEncoder();
    this.fast =
      format.kind === 'json' && flat
        ? wantedDeclared.map(({ c, i }) => ({
            column: i,
            key: encoder.encode(this.paths[i]!.keys[0]!),
            kind: fastKind(c.type),
          }))
        : undefined;
    this.seen = new Int32Array(this.fast?.length ?? 0);
    this.textBytesPerRow = new Float64Array(declared.length).fill(16);
    this.exactNumbers = format.kind === 'json' && wantedDeclared.some(({ c }) => isDecimal(c.type));
    if (format.kind === 'csv' && this.delimiter.length !== 1) {
      throw new EddyError('ValidationException', `csv delimiter must be one character, got ${JSON.stringify(this.delimiter)}`);
    }
  }

  decode(input: readonly StreamRecord[], shardId: string): DecodeResult {
    // KPL aggregates become their user records (one byte compare per record when there are none).
    const expanded = expandAggregates(input);
    const records = expanded?.records ?? input;
    const subSequenceNumbers = expanded?.subSequenceNumbers;
    const n = records.length;
    const perRow = this.textBytesPerRow;
    const writers = this.declared.map((c, i) => new ColumnWriter(c.name, c.type, n, !this.wanted[i], Math.ceil(n * perRow[i]! * 1.125)));
    const arrival = new BigInt64Array(n);
    const arrivalPairs = int32View(arrival);
    const d = this.declared.length;
    const wantKeys = this.wanted[d + 1]!;
    const wantShard = this.wanted[d + 2]!;
    const wantSeqs = this.wanted[d + 3]!;
    const wantSubs = this.wanted[d + 4]! && subSequenceNumbers !== undefined;
    const subs = new BigInt64Array(wantSubs ? n : 0);
    const subPairs = int32View(subs);
    const keys = new Utf8Writer(n, wantKeys ? n * 16 : 0);
    const seqs = new Utf8Writer(n, wantSeqs ? n * 56 : 0);
    const isJson = this.format.kind === 'json';
    const fields: FastField[] | undefined = this.fast?.map((f) => ({ key: f.key, kind: f.kind, sink: writers[f.column]! }));
    const tally: Tally = { errors: 0, lastError: undefined, lastBad: undefined, bad: [] };
    const system: RowBuffers = { arrivalPairs, keys, seqs, subPairs, wantKeys, wantSeqs, wantSubs, subSequenceNumbers };
    const rows = isJson ? this.decodeJsonRecords(records, shardId, writers, fields, system, tally) : this.decodeCsvRecords(records, shardId, writers, system, tally);
    const { errors, lastError, lastBad, bad } = tally;
    const shards = new Utf8Writer(rows, wantShard ? rows * 21 : 0);
    const shardBytes = new TextEncoder().encode(shardId);
    for (let r = 0; r < rows; r++) {
      if (wantShard) shards.appendBytes(shardBytes, 0, shardBytes.length);
      else shards.appendEmpty();
    }
    for (let c = 0; c < writers.length; c++) {
      const text = writers[c]!.text;
      if (text !== undefined && rows > 0) perRow[c] = Math.max(1, text.finishBytes().length / rows);
    }
    const children: Data[] = writers.map((w) => w.finish(rows));
    children.push(makeData({ type: arrowTypeOf('TIMESTAMP'), length: rows, nullCount: 0, data: arrival.subarray(0, rows) } as never));
    const unread = new Uint8Array((rows + 7) >> 3);
    ([
      [keys, wantKeys],
      [shards, wantShard],
      [seqs, wantSeqs],
    ] as const).forEach(([w, want]) => {
      const validity = want ? { nullCount: 0 } : { nullCount: rows, nullBitmap: unread };
      children.push(makeData({ type: arrowTypeOf('VARCHAR'), length: rows, ...validity, valueOffsets: w.finishOffsets(), data: w.finishBytes() } as never));
    });
    // Zeros unless this batch held aggregates and the column is read; the zeros are shared between
    // batches (nothing writes to a batch's columns), so the common case allocates nothing.
    if (!wantSubs && this.zeros.length < rows) this.zeros = new BigInt64Array(Math.max(rows, 2 * this.zeros.length));
    children.push(makeData({ type: arrowTypeOf('BIGINT'), length: rows, nullCount: 0, data: wantSubs ? subs.subarray(0, rows) : this.zeros.subarray(0, rows) } as never));
    const batch = makeBatch(this.schema, children, rows);
    return lastError === undefined || lastBad === undefined ? { batch, errors, bad } : { batch, errors, lastError, lastBad, bad };
  }

  /**
   * Decodes JSON records into the batch's buffers, one row each (a record that does not decode is
   * counted in `tally` instead); returns the rows. A method of its own, apart from building the batch:
   * building it deoptimises its caller now and then (Arrow's makeData sees many types), and the loop over
   * the records must not go with it.
   */
  private decodeJsonRecords(records: readonly StreamRecord[], shardId: string, writers: ColumnWriter[], fields: FastField[] | undefined, buffers: RowBuffers, tally: Tally): number {
    let rows = 0;
    for (let r = 0; r < records.length; r++) {
      const rec = records[r]!;
      try {
        if (fields !== undefined && scanFlatJson(rec.data, fields, rows, this.seen, ++this.mark, this.memo)) {
          // Columns nothing reads stay NULL without a write (see ColumnWriter).
        } else {
          if (fields !== undefined) for (const w of writers) w.text?.truncate(rows);
          this.decodeJson(rec.data, writers, rows);
        }
      } catch (e) {
        recordFailure(e, rec, r, shardId, writers, rows, buffers, tally);
        continue;
      }
      addSystemValues(rec, r, rows, buffers);
      rows++;
    }
    return rows;
  }

  /** What decodeJsonRecords does, for CSV records. */
  private decodeCsvRecords(records: readonly StreamRecord[], shardId: string, writers: ColumnWriter[], buffers: RowBuffers, tally: Tally): number {
    let rows = 0;
    for (let r = 0; r < records.length; r++) {
      const rec = records[r]!;
      try {
        this.decodeCsv(rec.data, writers, rows);
      } catch (e) {
        recordFailure(e, rec, r, shardId, writers, rows, buffers, tally);
        continue;
      }
      addSystemValues(rec, r, rows, buffers);
      rows++;
    }
    return rows;
  }

  private decodeJson(bytes: Uint8Array, writers: ColumnWriter[], row: number): void {
    const value: unknown = this.exactNumbers ? parseJsonKeepingDigits(utf8.decode(bytes)) : JSON.parse(utf8.decode(bytes));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DecodeFailure('record is not a JSON object');
    }
    const paths = this.paths;
    const wanted = this.wanted;
    for (let c = 0; c < writers.length; c++) {
      if (!wanted[c]) {
        writers[c]!.setNull(row);
        continue;
      }
      const path = paths[c]!;
      const keys = path.keys;
      let v: unknown = value;
      for (let k = 0; k < keys.length; k++) {
        if (v === null || typeof v !== 'object') {
          v = undefined;
          break;
        }
        const key = keys[k]!;
        v = path.guarded && !Object.hasOwn(v, key) ? undefined : (v as Record<string, unknown>)[key];
      }
      writers[c]!.set(row, v);
    }
  }

  private decodeCsv(bytes: Uint8Array, writers: ColumnWriter[], row: number): void {
    const fields = splitCsvRecord(utf8.decode(bytes), this.delimiter);
    const idx = this.csvIndexes;
    for (let c = 0; c < writers.length; c++) {
      const w = writers[c]!;
      if (!this.wanted[c]) {
        w.setNull(row);
        continue;
      }
      const f = fields[idx[c]!];
      // A quoted empty field is an empty string for VARCHAR and NULL for every other type.
      w.set(row, f === '' && w.type !== 'VARCHAR' ? null : f);
    }
  }
}
