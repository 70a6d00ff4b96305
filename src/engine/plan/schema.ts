// Column and stream schemas: what CREATE STREAM declares, what the catalog persists, and the system
// columns every stream has after its declared ones.

import type { DataType } from './expr.js';

export interface ColumnSchema {
  readonly name: string;
  readonly type: DataType;
}

/**
 * The columns every stream has after its declared ones, in this order. `ROWTIME` is another name for
 * `_arrival_time` (the record's ApproximateArrivalTimestamp) in SQL.
 */
export const SYSTEM_COLUMNS: readonly ColumnSchema[] = [
  { name: '_arrival_time', type: 'TIMESTAMP' },
  { name: '_partition_key', type: 'VARCHAR' },
  { name: '_shard_id', type: 'VARCHAR' },
  { name: '_sequence_number', type: 'VARCHAR' },
];

/** A stream's declared shape, as CREATE STREAM states it and the catalog persists it. */
export interface StreamSchema {
  readonly name: string;
  /** Declared columns only; SYSTEM_COLUMNS follow them in every batch. */
  readonly columns: readonly ColumnSchema[];
  readonly format: RecordFormat;
  /** `WATERMARK FOR column AS column - INTERVAL …`: the event-time column and the allowed lateness. */
  readonly watermark?: { readonly column: string; readonly delayMs: number };
}

/** How a record's bytes become a row. */
export interface RecordFormat {
  readonly kind: 'json' | 'csv';
  /**
   * For json: per column, the path of keys to read (`['payload', 'user', 'id']`); defaults to [name].
   * For csv: per column, the 0-based field index; defaults to the column's position.
   */
  readonly mappings?: Readonly<Record<string, readonly string[] | number>>;
  /** For csv. */
  readonly delimiter?: string;
}
