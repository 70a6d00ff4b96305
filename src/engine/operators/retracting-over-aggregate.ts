// An OVER aggregate over a changelog (a Top-N's result, say: Nexmark q6 averages each seller's last
// auctions' winning bids, which change as higher bids arrive). Its result is the changelog whose rows,
// applied in order, hold the OVER aggregate of the input's current rows: each partition keeps its live
// rows sorted by the ORDER BY column, and a change at one place (a row added, or taken out by -U or -D)
// revises only the rows whose frame or LAG/LEAD reaches it: with ROWS BETWEEN n PRECEDING, the n rows
// after it. The row added is emitted +I, the row taken out -D (as it was last emitted), and each revised
// row as a -U/+U pair, only if its results changed. Rows are emitted as each batch is read: no watermark
// is waited for, since a changelog's rows can change at any time anyway.
//
// State: every live input row, since any of them may be withdrawn later and then the rows after it
// reach back past it (a changelog tells nothing about which rows are final). Live rows and partitions
// count against the query's state key limit (state-key-limit.ts): past it the query fails, naming the
// OVER. A -U or -D of a row not held (never added, or added before the query started) changes nothing.
// Rows tie-break on their whole values after the ORDER BY column, so the result does not depend on the
// order rows of equal ORDER BY values arrive in. Rows whose ORDER BY value is NULL belong to no frame
// and are dropped (in both directions), as OverAggregate drops rows without a time. With a state
// time-to-live (`state_ttl`), a partition none of whose rows has come or gone for that long by the query
// clock is forgotten without a trace, as Flink forgets idle keys' state: its rows are no longer revised,
// and a change to one of them later counts as the first of a new partition.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { OverAggregateNode, OverCall } from '../plan/over.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import { arrowSchema } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { columnOfValues, columnToArrow, columnValue } from '../batch/column.js';
import { changelogBatch, changelogSchema, DELETE, INSERT, rowKindsOf, UPDATE_AFTER, UPDATE_BEFORE } from '../batch/row-kinds.js';
import { compileExpr, type CompiledExpr, type ExprContext } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import { integerMean } from './accumulators.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Collector, Operator, OperatorContext } from './operator.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';

type Value = number | string | bigint | boolean | null;

/** A live input row: its columns, its calls' arguments, and the results last emitted for it. */
interface LiveRow {
  readonly values: readonly Value[];
  /** The ORDER BY value (never NULL), then the whole row as text, which orders rows that tie (made when first needed). */
  readonly order: number | string | bigint;
  tie?: string;
  readonly args: readonly Value[];
  results: Value[];
}

interface Partition {
  readonly key: readonly Value[];
  /** Sorted by (order, tie). */
  readonly rows: LiveRow[];
  /** When a row last came or went, by the query clock. */
  touchedAt: number;
}

interface RetractingOverSnapshot {
  /** Per partition: its key, then each live row as [input values, argument values, results], in order. */
  readonly partitions: readonly (readonly [readonly Value[], readonly (readonly [readonly Value[], readonly Value[], readonly Value[]])[]])[];
  /** Per partition, in the same order: when a row last came or went (absent in snapshots from before the time-to-live: then the time of the restore). */
  readonly touchedAt?: readonly number[];
}

export class RetractingOverAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  /** A form of its own: OverAggregate (1) runs overAggregate nodes too, and neither reads the other's. */
  readonly snapshotVersion = 101;
  private readonly schema: Schema;
  private readonly inputTypes: readonly DataType[];
  private readonly orderColumn: number;
  private readonly keys: readonly CompiledExpr[];
  private readonly args: readonly (CompiledExpr | undefined)[];
  private readonly calls: readonly OverCall[];
  private readonly fallbacks: readonly Value[];
  /** The frame of row i: rows i - preceding to i - endPreceding of its partition. */
  private readonly preceding: number;
  private readonly endPreceding: number;
  /** How far a change reaches: the rows after it whose frame or LAG reads it, and the rows before it whose LEAD does. */
  private readonly reachAfter: number;
  private readonly reachBefore: number;
  /** By partition key: its value when it is one column, else its values as text. */
  private readonly partitions = new Map<PartitionId, Partition>();
  private liveRows = 0;
  private readonly limit: StateKeyLimit;
  private readonly ttlMs: number | undefined;
  private readonly clock: Clock;
  /** With a time-to-live: partitions in the order they were touched, with the time; an entry is stale once its partition is touched again. */
  private touches: { readonly id: PartitionId; readonly at: number }[] = [];
  /** Where the live part of `touches` begins. */
  private firstTouch = 0;

  constructor(node: OverAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    const frame = node.frame;
    if (frame.kind !== 'rows' || frame.preceding === null) {
      throw new EddyError('ValidationException', 'an OVER aggregate over a changelog takes a ROWS frame reaching back a bounded number of rows: each change revises the rows whose frame reaches it');
    }
    const end = frame.endPreceding ?? 0;
    if (!(Number.isSafeInteger(frame.preceding) && Number.isSafeInteger(end) && end >= 0 && end <= frame.preceding)) {
      throw new EddyError('ValidationException', `an OVER frame must reach back a whole number ≥ 0 of rows and end no further back than it starts, got ${frame.preceding} to ${end}`);
    }
    const order = input[node.timeColumn];
    if (!order) throw new EddyError('ValidationException', `OVER order column ${node.timeColumn} is out of range (input has ${input.length} columns)`);
    if (node.calls.length === 0) throw new EddyError('ValidationException', 'an OVER aggregate needs at least one call');
    const names = new Set(input.map((c) => c.name));
    for (const c of node.calls) {
      if (names.has(c.name)) throw new EddyError('ValidationException', `duplicate output column '${c.name}'`);
      names.add(c.name);
      if (c.fn !== 'count_star' && !c.arg) throw new EddyError('ValidationException', `${c.fn} needs an argument`);
      if ((c.fn === 'lag' || c.fn === 'lead') && !(Number.isSafeInteger(c.offset ?? 1) && (c.offset ?? 1) >= 0)) {
        throw new EddyError('ValidationException', `the offset of ${c.fn} must be a whole number ≥ 0, got ${c.offset}`);
      }
    }
    this.fallbacks = node.calls.map((c) => {
      const d = c.default;
      if (d === undefined) return null;
      if (d.kind !== 'literal' || d.type !== c.type) throw new EddyError('ValidationException', `the default of ${c.fn} must be a ${c.type} literal`);
      return d.value;
    });
    this.preceding = frame.preceding;
    this.endPreceding = end;
    const offsets = (fn: OverCall['fn']): number[] => node.calls.filter((c) => c.fn === fn).map((c) => c.offset ?? 1);
    this.reachAfter = Math.max(this.preceding, ...offsets('lag'));
    this.reachBefore = Math.max(0, ...offsets('lead'));
    this.orderColumn = node.timeColumn;
    this.inputTypes = input.map((c) => c.type);
    const options = { ...context, inputTypes: this.inputTypes };
    this.keys = node.partitionBy.map((k) => compileExpr(k.expr, options));
    this.args = node.calls.map((c) => (c.arg ? compileExpr(c.arg, options) : undefined));
    this.calls = node.calls;
    this.outputColumns = [...input, ...node.calls.map((c) => ({ name: c.name, type: c.type }))];
    this.schema = changelogSchema(arrowSchema(this.outputColumns));
    this.limit = new StateKeyLimit(maxStateKeys, `OVER (PARTITION BY ${node.partitionBy.map((k) => k.name).join(', ') || 'nothing'}) over a changelog`);
    if (node.stateTtlMs !== undefined && !(Number.isSafeInteger(node.stateTtlMs) && node.stateTtlMs > 0)) {
      throw new EddyError('ValidationException', `an OVER window's state time-to-live must be a whole number of milliseconds > 0, got ${node.stateTtlMs}`);
    }
    this.ttlMs = node.stateTtlMs;
    this.clock = context.clock ?? systemClock;
  }

  /** Input rows held now, in all partitions (for tests and status). */
  get heldRows(): number {
    return this.liveRows;
  }

  /** Partitions holding rows now. */
  get partitionCount(): number {
    return this.partitions.size;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const now = ctx.clock.now();
    this.expire(now);
    const view = new BatchView(batch, this.inputTypes);
    const kinds = rowKindsOf(batch);
    const inputs = this.inputTypes.map((_t, j) => view.column(j));
    const keyColumns = this.keys.map((k) => k.evaluate(view));
    const argColumns = this.args.map((a) => a?.evaluate(view));
    const emitted = new Emitted();
    for (let i = 0; i < n; i++) {
      const values = inputs.map((c) => columnValue(c, i));
      const order = values[this.orderColumn] ?? null;
      if (order === null || typeof order === 'boolean') continue;
      const key = keyColumns.map((c) => columnValue(c, i));
      const id = partitionId(key);
      const kind = kinds === null ? INSERT : kinds[i]!;
      const row: LiveRow = { values, order, args: argColumns.map((c) => (c === undefined ? null : columnValue(c, i))), results: [] };
      if (kind === UPDATE_BEFORE || kind === DELETE) this.remove(id, row, emitted, now);
      else this.add(id, key, row, emitted, now);
    }
    this.limit.check(this.liveRows + this.partitions.size);
    if (emitted.kinds.length === 0) return;
    const columns = this.outputColumns.map((c, j) => columnToArrow(columnOfValues(c.type, emitted.rows.map((r) => cell(r[j] ?? null)))));
    out.emit(changelogBatch(this.schema, columns, Int8Array.from(emitted.kinds)));
  }

  private add(id: PartitionId, key: readonly Value[], row: LiveRow, emitted: Emitted, now: number): void {
    let p = this.partitions.get(id);
    if (p === undefined) {
      p = { key, rows: [], touchedAt: now };
      this.partitions.set(id, p);
      this.touch(id, p, now, true);
    } else this.touch(id, p, now, false);
    const at = this.position(p.rows, row);
    p.rows.splice(at, 0, row);
    this.liveRows++;
    row.results = this.results(p.rows, at);
    emitted.add(row, INSERT);
    this.revise(p.rows, at - this.reachBefore, at + this.reachAfter, row, emitted);
  }

  private remove(id: PartitionId, row: LiveRow, emitted: Emitted, now: number): void {
    const p = this.partitions.get(id);
    if (p === undefined) return;
    const at = this.position(p.rows, row);
    const held = p.rows[at];
    // Only an equal row can be taken out: the same ORDER BY value and the same values throughout.
    if (held === undefined || compare(held, row) !== 0) return;
    this.touch(id, p, now, false);
    p.rows.splice(at, 1);
    this.liveRows--;
    emitted.add(held, DELETE);
    if (p.rows.length === 0) this.partitions.delete(id);
    // The rows after it moved up by one: those now at at … at + reach - 1 read it before.
    else this.revise(p.rows, at - this.reachBefore, at + this.reachAfter - 1, undefined, emitted);
  }

  /** Recomputes rows `from` … `to` of a partition (clipped to its rows) and emits those whose results changed. */
  private revise(rows: readonly LiveRow[], from: number, to: number, skip: LiveRow | undefined, emitted: Emitted): void {
    for (let r = Math.max(0, from); r <= Math.min(rows.length - 1, to); r++) {
      const row = rows[r]!;
      if (row === skip) continue;
      const results = this.results(rows, r);
      if (sameValues(results, row.results)) continue;
      emitted.add(row, UPDATE_BEFORE);
      row.results = results;
      emitted.add(row, UPDATE_AFTER);
    }
  }

  /** Index of the first row that does not come before `row`. */
  private position(rows: readonly LiveRow[], row: LiveRow): number {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(rows[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Each call's result for the row at `r`, whose frame is rows r - preceding … r - endPreceding. */
  private results(rows: readonly LiveRow[], r: number): Value[] {
    const start = Math.max(0, r - this.preceding);
    const end = r - this.endPreceding;
    return this.calls.map((call, a) => {
      switch (call.fn) {
        case 'lag':
        case 'lead': {
          const other = rows[call.fn === 'lag' ? r - (call.offset ?? 1) : r + (call.offset ?? 1)];
          return other === undefined ? this.fallbacks[a]! : other.args[a]!;
        }
        case 'first_value':
          return end >= start ? rows[start]!.args[a]! : null;
        case 'last_value':
          return end >= start ? rows[end]!.args[a]! : null;
        case 'count_star':
          return Math.max(0, end - start + 1);
        default:
          return this.aggregate(call, a, rows, start, end);
      }
    });
  }

  /** COUNT, SUM, AVG, MIN, MAX and STDDEV of argument `a` over rows start … end, NULLs skipped. */
  private aggregate(call: OverCall, a: number, rows: readonly LiveRow[], start: number, end: number): Value {
    let count = 0;
    let sum = 0;
    let squares = 0;
    let best: number | string | null = null;
    for (let r = start; r <= end; r++) {
      const v = rows[r]!.args[a]!;
      if (v === null) continue;
      count++;
      const x = typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'bigint' ? Number(v) : v;
      if (call.fn === 'min' || call.fn === 'max') {
        if (best === null || (call.fn === 'min' ? x < best : x > best)) best = x;
      } else if (typeof x === 'number') {
        sum += x;
        squares += x * x;
      }
    }
    switch (call.fn) {
      case 'count':
        return count;
      case 'sum':
        return count > 0 ? sum : null;
      case 'avg':
        return count === 0 ? null : call.type === 'DOUBLE' ? sum / count : integerMean(sum, count);
      case 'min':
      case 'max':
        return best;
      case 'stddev': {
        if (count < 2) return null;
        const mean = sum / count;
        return Math.sqrt(Math.max(0, (squares - count * mean * mean) / (count - 1)));
      }
      default:
        throw new EddyError('InternalFailure', `${call.fn} is not an aggregate`);
    }
  }

  /** Notes that a partition's rows changed now; with a time-to-live, queues it to be looked at once that has passed. */
  private touch(id: PartitionId, p: Partition, now: number, fresh: boolean): void {
    if (this.ttlMs === undefined || (!fresh && p.touchedAt === now)) return;
    p.touchedAt = now;
    this.touches.push({ id, at: now });
  }

  /** Forgets the partitions untouched for the time-to-live. */
  private expire(now: number): void {
    const ttl = this.ttlMs;
    if (ttl === undefined) return;
    const touches = this.touches;
    while (this.firstTouch < touches.length) {
      const { id, at } = touches[this.firstTouch]!;
      if (at + ttl > now) break;
      this.firstTouch++;
      const p = this.partitions.get(id);
      // Touched since (a later entry stands for it), or gone already.
      if (p === undefined || p.touchedAt !== at) continue;
      this.partitions.delete(id);
      this.liveRows -= p.rows.length;
    }
    // The queue drops its looked-at part once it is most of it, so it holds at most twice the touches of the last time-to-live.
    if (this.firstTouch > 1024 && this.firstTouch * 2 > touches.length) {
      this.touches = touches.slice(this.firstTouch);
      this.firstTouch = 0;
    }
  }

  onWatermark(_watermarkMs: number, ctx: OperatorContext): void {
    this.expire(ctx.clock.now());
  }

  stateEntries(): number {
    return this.liveRows + this.partitions.size;
  }

  snapshot(): RetractingOverSnapshot {
    const partitions = [...this.partitions.values()];
    return {
      partitions: partitions.map((p) => [p.key, p.rows.map((r) => [r.values, r.args, r.results] as const)] as const),
      touchedAt: partitions.map((p) => p.touchedAt),
    };
  }

  restore(state: unknown): void {
    this.onClose();
    const snap = state as RetractingOverSnapshot;
    const now = this.clock.now();
    const restored: { id: PartitionId; p: Partition }[] = [];
    snap.partitions.forEach(([key, rows], i) => {
      const live = rows.map(([values, args, results]): LiveRow => ({ values, order: values[this.orderColumn] as number | string | bigint, args, results: [...results] }));
      const p: Partition = { key, rows: live, touchedAt: snap.touchedAt?.[i] ?? now };
      const id = partitionId(key);
      this.partitions.set(id, p);
      this.liveRows += live.length;
      restored.push({ id, p });
    });
    if (this.ttlMs !== undefined) this.touches = restored.sort((a, b) => a.p.touchedAt - b.p.touchedAt).map(({ id, p }) => ({ id, at: p.touchedAt }));
  }

  onClose(): void {
    this.partitions.clear();
    this.liveRows = 0;
    this.touches = [];
    this.firstTouch = 0;
  }
}

/** The rows and kinds a batch emits: each row's input values then its results, as they are when added. */
class Emitted {
  readonly rows: Value[][] = [];
  readonly kinds: number[] = [];

  add(row: LiveRow, kind: number): void {
    this.rows.push([...row.values, ...row.results]);
    this.kinds.push(kind);
  }
}

function compare(a: LiveRow, b: LiveRow): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  const x = (a.tie ??= rowText(a.values));
  const y = (b.tie ??= rowText(b.values));
  return x < y ? -1 : x > y ? 1 : 0;
}

type PartitionId = Value;

/** A partition's key in the map: the value of a one-column key as it is (a column has one type), else the values as text. */
function partitionId(key: readonly Value[]): PartitionId {
  return key.length === 1 ? key[0]! : rowText(key);
}

/** Values as text, to key partitions and order tied rows (BigInts, which JSON has no form for, as digits with n). */
function rowText(values: readonly Value[]): string {
  return JSON.stringify(values, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function sameValues(a: readonly Value[], b: readonly Value[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A value as columnOfValues takes it: BOOLEANs as 0 and 1. */
function cell(v: Value): string | number | bigint | null {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}
