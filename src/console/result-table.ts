// The rows a results table shows: newest first and bounded. Appended results keep their latest rows.
// Changelog results (GROUP BY without a window, windows that take late rows) carry each row's change kind
// in `_op` (Flink's RowKind: +I insert, -U before update, +U after update, -D delete) and are applied as
// such, updated in place: keyed by the key columns when the query has them, otherwise by the whole row.

import type { ColumnSchema, ResultShape } from './api-types.js';

export type Row = Readonly<Record<string, unknown>>;
export type ChangeKind = '+I' | '-U' | '+U' | '-D';

export interface ShownRow {
  /** Stable identity for rendering: the row's key, or a sequence number for appended rows. */
  readonly id: string;
  readonly values: Row;
  /** How many times this key's row has been replaced. */
  readonly updates: number;
  /** The sequence number of the change that last touched it (newest is highest). */
  readonly seq: number;
}

/** The column that carries a row's change kind, when rows carry one; it is not shown as a column. */
export const OP_COLUMN = '_op';
const CHANGE_KINDS: ReadonlySet<string> = new Set(['+I', '-U', '+U', '-D']);

export class ResultTable {
  private columns: readonly ColumnSchema[] = [];
  private keys: readonly string[] = [];
  private keyed = false;
  private seq = 0;
  /** Keyed rows by key (Map order: least recently changed first), or appended rows oldest first. */
  private byKey = new Map<string, ShownRow>();
  private appended: ShownRow[] = [];
  private received = 0;
  /** Set once a row carries a change kind: from then on rows are kept by key. */
  private changes = false;

  constructor(readonly maxRows: number) {}

  /** A new schema frame starts the table again. */
  reset(columns: readonly ColumnSchema[], shape: ResultShape | undefined): void {
    this.columns = columns;
    this.keys = shape?.keys ?? [];
    this.keyed = shape?.changelog === 'retract' && this.keys.length > 0;
    this.byKey.clear();
    this.awaitingUpdate.clear();
    this.withdrawn.clear();
    this.appended = [];
    this.received = 0;
    this.changes = false;
  }

  get shownColumns(): readonly ColumnSchema[] {
    return this.columns.filter((c) => c.name !== OP_COLUMN);
  }

  /** Rows received since the schema, whether or not they are still shown. */
  get receivedRows(): number {
    return this.received;
  }

  /** Whether rows are updated in place (by key, or by their change kind) rather than appended. */
  get updatesInPlace(): boolean {
    return this.keyed || this.changes;
  }

  apply(rows: readonly Row[]): void {
    for (const row of rows) {
      this.received++;
      const op = row[OP_COLUMN];
      if (typeof op === 'string' && CHANGE_KINDS.has(op)) {
        this.changes = true;
        this.change(op as ChangeKind, row);
      }
      else if (this.keyed) this.upsert(this.keyOf(row), row);
      else this.append(row);
    }
    // A keyed -U whose +U did not follow in the same delivery withdrew its row (a HAVING it no longer
    // meets, say); should the +U come in the next one after all, the row comes back with its count.
    for (const key of this.awaitingUpdate) {
      const row = this.byKey.get(key);
      if (row) this.withdrawn.set(key, row);
      this.byKey.delete(key);
      while (this.withdrawn.size > this.maxRows) this.withdrawn.delete(this.withdrawn.keys().next().value as string);
    }
    this.awaitingUpdate.clear();
  }

  /** Newest first. */
  rows(): ShownRow[] {
    const all = this.updatesInPlace ? [...this.byKey.values()] : this.appended.slice(-this.maxRows);
    return all.reverse();
  }

  private change(kind: ChangeKind, row: Row): void {
    const key = this.keys.length > 0 ? this.keyOf(row) : this.wholeRowKey(row);
    switch (kind) {
      case '+I':
      case '+U':
        this.upsert(key, row);
        break;
      // Keyed, the +U that follows replaces the row in place, so the old one stays until then; keyed by
      // the whole row, the new row has another key, so the old one goes now.
      case '-U':
        if (this.keys.length === 0) this.byKey.delete(key);
        else this.awaitingUpdate.add(key);
        break;
      case '-D':
        this.byKey.delete(key);
        break;
    }
  }

  /** Keys whose -U came in this delivery and whose +U has not yet. */
  private readonly awaitingUpdate = new Set<string>();
  /** Rows a -U withdrew without a +U, kept (at most maxRows) so a late +U continues their count. */
  private readonly withdrawn = new Map<string, ShownRow>();

  private upsert(key: string, row: Row): void {
    this.awaitingUpdate.delete(key);
    const before = this.byKey.get(key) ?? this.withdrawn.get(key);
    this.withdrawn.delete(key);
    this.byKey.delete(key);
    this.byKey.set(key, { id: `k:${key}`, values: row, updates: before ? before.updates + 1 : 0, seq: ++this.seq });
    // The least recently changed keys give way first.
    while (this.byKey.size > this.maxRows) this.byKey.delete(this.byKey.keys().next().value as string);
  }

  private append(row: Row): void {
    const seq = ++this.seq;
    this.appended.push({ id: `r:${seq}`, values: row, updates: 0, seq });
    // Trimmed in one go once it holds twice the rows shown, so each row costs O(1).
    if (this.appended.length >= this.maxRows * 2) this.appended = this.appended.slice(-this.maxRows);
  }

  private keyOf(row: Row): string {
    return JSON.stringify(this.keys.map((k) => row[k] ?? null));
  }

  private wholeRowKey(row: Row): string {
    return JSON.stringify(this.shownColumns.map((c) => row[c.name] ?? null));
  }
}
