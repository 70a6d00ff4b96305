// EMIT CHANGES EVERY: a group aggregate's changes held back and emitted together, at most once per
// interval of the query's clock. For each group that changed since the last emission it remembers the row
// the group had then (or that it had none); when the interval is up, one -U/+U pair (or +I) per group
// says what changed over the whole interval, however many batches changed it. What is held is at most one
// row per group, so the query's state bound (--max-query-state-keys) bounds it too.
import type { DataType } from '../plan/expr.js';
import { columnOfValues, type Column } from '../batch/column.js';
import type { KeyValue } from './key-mapper.js';

type Value = number | string | bigint | null;

/** Held changes as checkpoints keep them: each group's key values and the row it had (null: none). */
export interface HeldSnapshot {
  readonly dueAt: number | null;
  readonly keys: readonly (readonly KeyValue[])[];
  readonly before: readonly (readonly Value[] | null)[];
}

export class HeldChanges {
  /** Per key id, in the order they first changed: the aggregate values it had, or null when it had no row. */
  private readonly before = new Map<number, Value[] | null>();
  private dueAt: number | undefined;
  /** Counts changes to what is held, so a checkpoint can tell whether it has to save it again. */
  version = 0;

  /** `types`: the aggregate columns' types. */
  constructor(
    readonly everyMs: number,
    private readonly types: readonly DataType[],
  ) {}

  get size(): number {
    return this.before.size;
  }

  /**
   * Notes that `keys` changed: key i had the aggregate row `before` (columns, row i) when `had[i]` is 1.
   * A key already held keeps the row it had at the last emission. The first change starts the interval.
   */
  hold(keys: readonly number[], had: readonly number[], before: readonly Column[], nowMs: number): void {
    keys.forEach((key, i) => {
      if (this.before.has(key)) return;
      this.version++;
      this.before.set(key, had[i] === 1 ? before.map((col) => (col.valid !== null && col.valid[i] === 0 ? null : (col.values[i] ?? null))) : null);
    });
    if (this.before.size > 0 && this.dueAt === undefined) this.dueAt = nowMs + this.everyMs;
  }

  /** When the held changes are due (query clock), or undefined when nothing is held. */
  get nextTimeMs(): number | undefined {
    return this.dueAt;
  }

  /** The held keys with the rows they had (as aggregate columns, and whether they had one), emptied. */
  take(): { keys: number[]; had: Uint8Array; before: Column[] } {
    const keys = [...this.before.keys()];
    const rows = [...this.before.values()];
    this.before.clear();
    this.dueAt = undefined;
    this.version++;
    const had = Uint8Array.from(rows, (r) => (r === null ? 0 : 1));
    const before = this.types.map((type, c) => columnOfValues(type, rows.map((r) => (r === null ? null : r[c]!))));
    return { keys, had, before };
  }

  /** Key ids are not kept across a restart: the held groups are saved by their key values. */
  save(keyValues: (key: number) => KeyValue[]): HeldSnapshot {
    return { dueAt: this.dueAt ?? null, keys: [...this.before.keys()].map(keyValues), before: [...this.before.values()] };
  }

  /** Replaces what is held with a snapshot's (`keyId` maps key values to this run's ids). */
  load(snapshot: HeldSnapshot, keyId: (values: readonly KeyValue[]) => number): void {
    this.before.clear();
    snapshot.keys.forEach((values, i) => this.before.set(keyId(values), snapshot.before[i] === null ? null : [...snapshot.before[i]!]));
    this.dueAt = snapshot.dueAt ?? undefined;
  }
}
