// Maps SQL types to the Arrow types batches carry, and builds schemas and record batches from column data.
import { Bool, Data, Decimal, Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, TimestampMillisecond, Utf8, makeData } from 'apache-arrow';
import type { DataType as ArrowType } from 'apache-arrow';
import { unreachable } from '../errors.js';
import type { DataType } from '../plan/expr.js';
import { decimalParams, isDecimal } from '../plan/decimal.js';
import type { ColumnSchema } from '../plan/schema.js';
import { SYSTEM_COLUMNS } from '../plan/schema.js';

/**
 * BIGINT is a real Arrow Int64 column. Engine code reads and writes it through an Int32Array view of
 * the same memory (two halves per value) so the hot path never allocates BigInts; values are exact up
 * to ±2^53, the range of a JavaScript number. TIMESTAMP is TimestampMillisecond, handled the same way.
 */
export function arrowTypeOf(type: DataType, options: { timestampZone?: string } = {}): ArrowType {
  switch (type) {
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
      // Files written for other readers say the zone (Parquet then marks the column UTC-adjusted);
      // in-engine batches need none, since every time inside is epoch milliseconds.
      return options.timestampZone === undefined ? new TimestampMillisecond() : new TimestampMillisecond(options.timestampZone);
    default: {
      // DECIMAL is Decimal128 at every precision, as Flink's and Parquet's readers expect it.
      if (!isDecimal(type)) return unreachable(type, 'data type', 'ValidationException');
      const { precision, scale } = decimalParams(type);
      return new Decimal(scale, precision, 128);
    }
  }
}

/** The columns every source batch ends with, after the stream's declared columns. */
export { SYSTEM_COLUMNS };

export function arrowSchema(columns: readonly ColumnSchema[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, arrowTypeOf(c.type), true)));
}

/** Wraps column data (already built, same length) into a RecordBatch without copying. */
export function makeBatch(schema: Schema, children: readonly Data[], length: number): RecordBatch {
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: children as Data[] });
  return new RecordBatch(schema, data);
}
