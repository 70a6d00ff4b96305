// A table that only takes rows, as Flink's print and blackhole connectors declare one (CREATE TABLE …
// WITH ('connector' = 'print')): INSERT INTO it runs the query with its rows going to the query's
// subscribers (print) or nowhere but them (blackhole). Tables with a stream behind them are streams.

import type { ColumnSchema } from './schema.js';

export interface SinkTableSchema {
  readonly name: string;
  readonly connector: 'print' | 'blackhole';
  readonly columns: readonly ColumnSchema[];
}
