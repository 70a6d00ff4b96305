// Turns JSON records into an Arrow table with a stream's SQL schema, as Firehose's OpenX JSON SerDe does
// for format conversion. A record that is not a JSON object, or whose values do not fit their column's
// type, is refused on its own with a reason; the other records still convert.

import { Bool, Decimal, Field, Float64, Int32, Int64, makeData, Schema, Struct, Table, TimestampMillisecond, Utf8, type Data, type DataType as ArrowType, RecordBatch } from 'apache-arrow';
import { arrowTypeOf } from '../batch/arrow-types.js';
import { isAscii } from 'node:buffer';
import type { ColumnSchema } from '../plan/schema.js';
import type { JsonReading } from './delivery-stream-config.js';
import type { DataType } from '../plan/expr.js';
import { unreachable } from '../errors.js';
import { decimalParams, isDecimal } from '../plan/decimal.js';
import { decimalFromDouble, parseDecimal } from '../batch/decimal-values.js';
import { parseJsonKeepingDigits } from '../batch/json-text.js';

export interface ConversionFailure {
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface ConversionResult {
  readonly table: Table | undefined;
  /** Indexes (into the input) of the records in the table, in order. */
  readonly converted: number;
  readonly failures: readonly ConversionFailure[];
}

type Value = number | bigint | boolean | string | null;

const decoder = new TextDecoder();

const arrowType = (t: DataType): ArrowType => arrowTypeOf(t, { timestampZone: 'UTC' });

export function arrowSchemaFor(columns: readonly ColumnSchema[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, arrowType(c.type), true)));
}

class ConvertError extends Error {}

function convert(v: unknown, col: ColumnSchema): Value {
  if (v === null || v === undefined) return null;
  switch (col.type) {
    case 'VARCHAR':
      return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    case 'INT':
    case 'BIGINT': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n)) throw new ConvertError(`value ${JSON.stringify(v)} of column '${col.name}' is not a valid ${col.type}`);
      if (col.type === 'INT' && (n < -2147483648 || n > 2147483647)) throw new ConvertError(`value ${v} of column '${col.name}' is out of range for INT`);
      return n;
    }
    case 'DOUBLE': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (Number.isNaN(n)) throw new ConvertError(`value ${JSON.stringify(v)} of column '${col.name}' is not a valid DOUBLE`);
      return n;
    }
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw new ConvertError(`value ${JSON.stringify(v)} of column '${col.name}' is not a valid BOOLEAN`);
    case 'TIMESTAMP': {
      // OpenX SerDe accepts epoch milliseconds and ISO-8601 text.
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
      if (!Number.isFinite(n)) throw new ConvertError(`value ${JSON.stringify(v)} of column '${col.name}' is not a valid TIMESTAMP`);
      return Math.trunc(n);
    }
    default: {
      if (!isDecimal(col.type)) return unreachable(col.type, 'type');
      const { precision, scale } = decimalParams(col.type);
      const d = typeof v === 'string' ? parseDecimal(v, precision, scale) : typeof v === 'number' ? decimalFromDouble(v, precision, scale) : undefined;
      if (d === undefined || d === null) throw new ConvertError(`value ${JSON.stringify(v)} of column '${col.name}' is ${d === null ? 'out of range for' : 'not a valid'} ${col.type}`);
      return d;
    }
  }
}

/** Finds a column's value in a record the way OpenX JSON SerDe does. */
function lookup(obj: Record<string, unknown>, key: string, lower: string, reading: JsonReading): unknown {
  const v = obj[key];
  if (v !== undefined || (!reading.caseInsensitive && !reading.convertDotsToUnderscores)) return v;
  for (const k in obj) {
    let name = reading.convertDotsToUnderscores ? k.replace(/\./g, '_') : k;
    if (reading.caseInsensitive) name = name.toLowerCase();
    if (name === (reading.caseInsensitive ? lower : key)) return obj[k];
  }
  return undefined;
}

/**
 * Decodes every record's text. One decode of all records together, cut by offsets, is several times
 * cheaper than a decode per small record; it is only valid when the text is ASCII (offsets in bytes and
 * characters agree), otherwise each record is decoded on its own.
 */
function decodeAll(records: readonly Uint8Array[]): (i: number) => string {
  const all = Buffer.concat(records as Uint8Array[]);
  const total = all.length;
  const starts = new Int32Array(records.length + 1);
  for (let i = 0; i < records.length; i++) starts[i + 1] = starts[i]! + records[i]!.length;
  if (!isAscii(all)) return (i) => decoder.decode(records[i]);
  const text = all.toString('latin1', 0, total);
  return (i) => text.slice(starts[i]!, starts[i + 1]!);
}

function follow(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const step of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

/**
 * One column being filled row by row at a caller-chosen index, so a row that fails half-way is simply
 * overwritten by the next one. Numbers go straight into typed arrays; strings are encoded once at the end.
 */
class ColumnBuilder {
  readonly validity: Uint8Array;
  nulls = 0;
  private readonly numbers: Float64Array | undefined;
  private readonly bools: Uint8Array | undefined;
  private readonly strings: string[] | undefined;
  /** DECIMAL as Decimal128: two 64-bit halves per value, low first. */
  private readonly halves: BigInt64Array | undefined;

  constructor(
    readonly col: ColumnSchema,
    capacity: number,
  ) {
    this.validity = new Uint8Array((capacity + 7) >> 3);
    if (col.type === 'VARCHAR') this.strings = new Array<string>(capacity);
    else if (col.type === 'BOOLEAN') this.bools = new Uint8Array(capacity);
    else if (isDecimal(col.type)) this.halves = new BigInt64Array(2 * capacity);
    else this.numbers = new Float64Array(capacity);
  }

  set(i: number, v: Value): void {
    const bit = 1 << (i & 7);
    if (v === null) {
      this.validity[i >> 3]! &= ~bit;
      if (this.strings) this.strings[i] = '';
      return;
    }
    this.validity[i >> 3]! |= bit;
    if (this.strings) this.strings[i] = v as string;
    else if (this.bools) this.bools[i] = v ? 1 : 0;
    else if (this.halves) {
      this.halves[2 * i] = BigInt.asIntN(64, v as bigint);
      this.halves[2 * i + 1] = BigInt.asIntN(64, (v as bigint) >> 64n);
    } else this.numbers![i] = v as number;
  }

  build(n: number): Data {
    let nulls = 0;
    for (let i = 0; i < n; i++) if ((this.validity[i >> 3]! & (1 << (i & 7))) === 0) nulls++;
    const nullBitmap = nulls > 0 ? this.validity.subarray(0, (n + 7) >> 3) : undefined;
    const type = arrowType(this.col.type);
    switch (this.col.type) {
      case 'INT':
        return makeData({ type: type as Int32, length: n, nullCount: nulls, nullBitmap, data: Int32Array.from(this.numbers!.subarray(0, n)) });
      case 'BIGINT':
      case 'TIMESTAMP': {
        // Whole numbers within ±2^53 (all a JSON number can hold exactly) are written as two 32-bit halves,
        // which is much cheaper than a BigInt per value.
        const data = new BigInt64Array(n);
        const halves = new Int32Array(data.buffer);
        const src = this.numbers!;
        for (let i = 0; i < n; i++) {
          const v = src[i]!;
          const high = Math.floor(v / 4294967296);
          halves[2 * i] = v - high * 4294967296;
          halves[2 * i + 1] = high;
        }
        return this.col.type === 'BIGINT'
          ? makeData({ type: type as Int64, length: n, nullCount: nulls, nullBitmap, data })
          : makeData({ type: type as TimestampMillisecond, length: n, nullCount: nulls, nullBitmap, data });
      }
      case 'DOUBLE':
        return makeData({ type: type as Float64, length: n, nullCount: nulls, nullBitmap, data: this.numbers!.slice(0, n) });
      case 'BOOLEAN': {
        const data = new Uint8Array((n + 7) >> 3);
        for (let i = 0; i < n; i++) if (this.bools![i]) data[i >> 3]! |= 1 << (i & 7);
        return makeData({ type: type as Bool, length: n, nullCount: nulls, nullBitmap, data });
      }
      case 'VARCHAR': {
        const strings = n === this.strings!.length ? this.strings! : this.strings!.slice(0, n);
        const joined = strings.join('');
        const bytes = Buffer.from(joined, 'utf8');
        const offsets = new Int32Array(n + 1);
        // Pure ASCII (the common case) has one byte per character: offsets come from string lengths.
        const ascii = bytes.length === joined.length;
        let pos = 0;
        for (let i = 0; i < n; i++) {
          pos += ascii ? strings[i]!.length : Buffer.byteLength(strings[i]!);
          offsets[i + 1] = pos;
        }
        return makeData({ type: type as Utf8, length: n, nullCount: nulls, nullBitmap, valueOffsets: offsets, data: bytes });
      }
      default:
        if (!isDecimal(this.col.type)) return unreachable(this.col.type, 'type');
        return makeData({ type: type as Decimal, length: n, nullCount: nulls, nullBitmap, data: new Uint32Array(this.halves!.buffer, 0, 4 * n) });
    }
  }
}

/** Converts records (each one JSON object) to an Arrow table; failures are reported per record. */
export function jsonRecordsToArrow(records: readonly Uint8Array[], reading: JsonReading): ConversionResult {
  const { columns } = reading;
  const builders = columns.map((c) => new ColumnBuilder(c, records.length));
  const names = columns.map((c) => reading.columnToJsonKey[c.name] ?? c.name);
  const paths = columns.map((c) => (reading.paths?.[c.name] && reading.paths[c.name]!.length > 1 ? reading.paths[c.name]! : undefined));
  for (let c = 0; c < columns.length; c++) if (reading.paths?.[columns[c]!.name]?.length === 1) names[c] = reading.paths[columns[c]!.name]![0]!;
  const lowers = names.map((n) => n.toLowerCase());
  const failures: ConversionFailure[] = [];
  const texts = decodeAll(records);
  const parse = columns.some((c) => isDecimal(c.type)) ? parseJsonKeepingDigits : JSON.parse;
  let n = 0;
  for (let r = 0; r < records.length; r++) {
    let obj: unknown;
    try {
      obj = parse(texts(r));
    } catch (e) {
      failures.push({ index: r, errorCode: 'DataFormatConversion.MalformedData', errorMessage: `The record is not valid JSON: ${(e as Error).message}` });
      continue;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      failures.push({ index: r, errorCode: 'DataFormatConversion.MalformedData', errorMessage: 'The record is not a JSON object.' });
      continue;
    }
    try {
      for (let c = 0; c < builders.length; c++) {
        const b = builders[c]!;
        const path = paths[c];
        b.set(n, convert(path ? follow(obj, path) : lookup(obj as Record<string, unknown>, names[c]!, lowers[c]!, reading), b.col));
      }
    } catch (e) {
      if (!(e instanceof ConvertError)) throw e;
      failures.push({ index: r, errorCode: 'DataFormatConversion.InvalidValue', errorMessage: `The record does not match the schema: ${e.message}.` });
      continue;
    }
    n++;
  }
  if (n === 0) return { table: undefined, converted: 0, failures };
  const schema = arrowSchemaFor(columns);
  const children = builders.map((b) => b.build(n));
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return { table: new Table([new RecordBatch(schema, struct)]), converted: n, failures };
}
