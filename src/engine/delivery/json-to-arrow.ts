// Turns JSON records into an Arrow table with a stream's SQL schema, as Firehose's OpenX JSON SerDe does
// for format conversion. A record that is not a JSON object, or whose values do not fit their column's
// type, is refused on its own with a reason; the other records still convert.

import { Bool, Field, Float64, Int32, Int64, makeData, Schema, Struct, Table, TimestampMillisecond, Utf8, type Data, type DataType as ArrowType, RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../query/plan.js';
import type { DataType } from '../expr/ir.js';

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

function arrowType(t: DataType): ArrowType {
  switch (t) {
    case 'BOOLEAN':
      return new Bool();
    case 'INT':
      return new Int32();
    case 'BIGINT':
      return new Int64();
    case 'DOUBLE':
      return new Float64();
    case 'VARCHAR':
      return new Utf8();
    case 'TIMESTAMP':
      return new TimestampMillisecond('UTC');
    default: {
      const never: never = t;
      throw new Error(`unknown type ${String(never)}`);
    }
  }
}

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
      const never: never = col.type;
      throw new Error(`unknown type ${String(never)}`);
    }
  }
}

function lookup(obj: Record<string, unknown>, name: string, lower: string, caseInsensitive: boolean): unknown {
  const v = obj[name];
  if (v !== undefined || !caseInsensitive) return v;
  for (const k in obj) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function buildColumn(col: ColumnSchema, values: Value[]): Data {
  const n = values.length;
  const type = arrowType(col.type);
  let nulls = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (values[i] === null) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  const nullBitmap = nulls > 0 ? bitmap : undefined;
  switch (col.type) {
    case 'INT': {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = (values[i] as number | null) ?? 0;
      return makeData({ type: type as Int32, length: n, nullCount: nulls, nullBitmap, data });
    }
    case 'BIGINT':
    case 'TIMESTAMP': {
      const data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) data[i] = BigInt((values[i] as number | null) ?? 0);
      return col.type === 'BIGINT'
        ? makeData({ type: type as Int64, length: n, nullCount: nulls, nullBitmap, data })
        : makeData({ type: type as TimestampMillisecond, length: n, nullCount: nulls, nullBitmap, data });
    }
    case 'DOUBLE': {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = (values[i] as number | null) ?? 0;
      return makeData({ type: type as Float64, length: n, nullCount: nulls, nullBitmap, data });
    }
    case 'BOOLEAN': {
      const data = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (values[i] === true) data[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: type as Bool, length: n, nullCount: nulls, nullBitmap, data });
    }
    case 'VARCHAR': {
      const offsets = new Int32Array(n + 1);
      let bytes = Buffer.allocUnsafe(Math.max(64, n * 16));
      let pos = 0;
      for (let i = 0; i < n; i++) {
        const s = values[i] as string | null;
        if (s !== null) {
          const need = pos + s.length * 3;
          if (need > bytes.length) {
            const grown = Buffer.allocUnsafe(Math.max(need, bytes.length * 2));
            bytes.copy(grown, 0, 0, pos);
            bytes = grown;
          }
          pos += bytes.write(s, pos);
        }
        offsets[i + 1] = pos;
      }
      return makeData({ type: type as Utf8, length: n, nullCount: nulls, nullBitmap, valueOffsets: offsets, data: bytes.subarray(0, pos) });
    }
    default: {
      const never: never = col.type;
      throw new Error(`unknown type ${String(never)}`);
    }
  }
}

/** Converts records (each one JSON object) to an Arrow table; failures are reported per record. */
export function jsonRecordsToArrow(records: readonly Uint8Array[], columns: readonly ColumnSchema[], caseInsensitive: boolean): ConversionResult {
  const cols: Value[][] = columns.map(() => []);
  const lowers = columns.map((c) => c.name.toLowerCase());
  const failures: ConversionFailure[] = [];
  const row: Value[] = new Array(columns.length);
  for (let r = 0; r < records.length; r++) {
    let obj: unknown;
    try {
      obj = JSON.parse(decoder.decode(records[r]));
    } catch (e) {
      failures.push({ index: r, errorCode: 'DataFormatConversion.MalformedData', errorMessage: `The record is not valid JSON: ${(e as Error).message}` });
      continue;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      failures.push({ index: r, errorCode: 'DataFormatConversion.MalformedData', errorMessage: 'The record is not a JSON object.' });
      continue;
    }
    try {
      for (let c = 0; c < columns.length; c++) row[c] = convert(lookup(obj as Record<string, unknown>, columns[c]!.name, lowers[c]!, caseInsensitive), columns[c]!);
    } catch (e) {
      if (!(e instanceof ConvertError)) throw e;
      failures.push({ index: r, errorCode: 'DataFormatConversion.InvalidValue', errorMessage: `The record does not match the schema: ${e.message}.` });
      continue;
    }
    for (let c = 0; c < columns.length; c++) cols[c]!.push(row[c]!);
  }
  const converted = records.length - failures.length;
  if (converted === 0) return { table: undefined, converted, failures };
  const schema = arrowSchemaFor(columns);
  const children = columns.map((c, i) => buildColumn(c, cols[i]!));
  const struct = makeData({ type: new Struct(schema.fields), length: converted, nullCount: 0, children });
  return { table: new Table([new RecordBatch(schema, struct)]), converted, failures };
}
