// A view as CREATE VIEW declares it and the catalog keeps it: the SELECT it stands for, as text, and the
// columns it had when it was created. Queries that read a view compile its SELECT into their own plan.

import type { ColumnSchema } from './schema.js';

export interface ViewSchema {
  readonly name: string;
  /** The view's SELECT, as written. */
  readonly query: string;
  /** Its columns when it was created (renamed by CREATE VIEW v (a, b) where given). */
  readonly columns: readonly ColumnSchema[];
  /** TEMPORARY views are kept until the server stops; others are persisted with the catalog. */
  readonly temporary?: true;
}
