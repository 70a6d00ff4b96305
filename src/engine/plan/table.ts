// Tables: rows kept by primary key, read from a file under the server's tables directory (a reference
// table, reloaded on demand) or kept from a stream (the latest row per key, by event time). Joined with
// a stream, a table gives each row the matching row of the table (a lookup or a temporal join).

import type { ColumnSchema, RecordFormat } from './schema.js';

/** Where a table's rows come from. */
export type TableSource =
  /**
   * A file of JSON lines or CSV records under the tables directory, read whole when the table is
   * created, when the server starts and on ALTER TABLE … REFRESH. `path` is relative to that directory.
   * `header`: the file's first line names the columns and is skipped.
   */
  | { readonly kind: 'file'; readonly path: string; readonly format: RecordFormat; readonly header: boolean }
  /**
   * The records of a stream, decoded with `format`; each primary key's row is the latest by event time
   * (the WATERMARK column, or arrival time without one).
   */
  | { readonly kind: 'stream'; readonly stream: string; readonly format: RecordFormat; readonly watermark?: { readonly column: string; readonly delayMs: number } };

/** A table as CREATE TABLE declares it and the catalog persists it. */
export interface TableSchema {
  readonly name: string;
  readonly columns: readonly ColumnSchema[];
  /**
   * Columns that identify a row; a later row with the same values replaces the earlier one. Empty for a
   * table read from a file without a key: every row of the file is kept.
   */
  readonly primaryKey: readonly string[];
  readonly source: TableSource;
}

/** Rows a reference table may hold unless the server says otherwise (--max-table-rows). */
export const DEFAULT_MAX_TABLE_ROWS = 1_000_000;
/** The largest reference table file read, in bytes. */
export const MAX_TABLE_FILE_BYTES = 256 * 1024 * 1024;
