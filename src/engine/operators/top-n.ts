// Top-N: the rows ranked 1 to N in each partition by ROW_NUMBER, RANK or DENSE_RANK. Each partition keeps
// its best rows in order, so a row that would rank past N is turned away after one comparison with the
// last kept row. Kept rows are copied out of their input batch (a few rows of it, at most) so that
// batches are not held for the sake of one row.
//
// A window Top-N partitions on a window's bounds: its partitions fill while the window's rows arrive and
// are emitted, ranked, once the watermark passes the window's end (append-only). A continuously updated
// Top-N emits after each batch what the batch changed, as a changelog (plan/changelog.ts): +I for a row
// that entered the top N, -D for one pushed out, and a -U/+U pair for a row whose rank changed (when the
// rank is an output column).
import type { RecordBatch, Schema } from 'apache-arrow';
import type { TopNNode, RankFn } from '../plan/over.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import { arrowSchema } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { columnToArrow } from '../batch/column.js';
import { changelogSchema, DELETE, INSERT, rowKindData, UPDATE_AFTER, UPDATE_BEFORE } from '../batch/row-kinds.js';
import { int32View } from '../batch/int64.js';
import { takeBatch } from '../batch/take.js';
import type { ExprContext } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';
import { HeldBatches } from './held-batches.js';
import type { KeyValue } from './key-mapper.js';
import { PartitionKeys } from './partition-keys.js';
import { RowOrder, type SortValue } from './row-order.js';
import { restoreRows, RowSaver, type SavedRow } from './row-snapshot.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';

/** Below this many partition ids, renumbering is not worth its cost. */
const COMPACT_MIN_KEYS = 4096;

/** A kept row: its sort key values and where it is held (batch -1: the batch being processed; -2: turned out again). */
interface Entry {
  readonly keys: SortValue[];
  batch: number;
  row: number;
}

interface Group {
  readonly windowEnd: number;
  readonly entries: Entry[];
}

interface TopNSnapshot {
  readonly watermark: number | null;
  readonly groups: { readonly key: KeyValue[]; readonly windowEnd: number | null; readonly sortKeys: SortValue[][] }[];
  /** The kept rows of every group, in group order. */
  readonly rows: SavedRow[];
}

export class TopN implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  /** The output columns and the row kind, for the changes of a continuously updated Top-N. */
  private readonly changeSchema: Schema;
  private readonly inputSchema: Schema;
  private readonly inputTypes: readonly DataType[];
  private readonly fn: RankFn;
  private readonly limit: number;
  private readonly windowEndColumn: number | undefined;
  private readonly withRank: boolean;
  private readonly keys: PartitionKeys;
  private readonly order: RowOrder;
  private readonly held = new HeldBatches<null>();
  private groups: (Group | undefined)[] = [];
  private liveGroups = 0;
  private keptRows = 0;
  /** Window Top-N: the partitions of each open window, by the window's end. */
  private readonly windows = new Map<number, number[]>();
  private watermark = -Infinity;
  private readonly stateLimit: StateKeyLimit;

  constructor(node: TopNNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    if (!(Number.isSafeInteger(node.limit) && node.limit >= 1)) throw new EddyError('ValidationException', `a Top-N keeps a whole number ≥ 1 of rows, got ${node.limit}`);
    if (node.orderBy.length === 0) throw new EddyError('ValidationException', `${node.fn.toUpperCase()} needs ORDER BY`);
    const we = node.windowEndColumn;
    if (we !== undefined && input[we]?.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `window end column ${we} of a window Top-N must be a TIMESTAMP column`);
    if (node.rankColumn !== undefined && input.some((c) => c.name === node.rankColumn)) throw new EddyError('ValidationException', `duplicate output column '${node.rankColumn}'`);
    this.fn = node.fn;
    this.limit = node.limit;
    this.windowEndColumn = we;
    this.withRank = node.rankColumn !== undefined;
    this.inputTypes = input.map((c) => c.type);
    this.keys = new PartitionKeys(node.partitionBy, this.inputTypes, context);
    this.order = new RowOrder(node.orderBy, this.inputTypes, context);
    this.stateLimit = new StateKeyLimit(maxStateKeys, `${node.fn.toUpperCase()}() <= ${node.limit} (PARTITION BY ${node.partitionBy.map((k) => k.name).join(', ') || 'nothing'})`);
    this.outputColumns = [...input, ...(node.rankColumn === undefined ? [] : [{ name: node.rankColumn, type: 'BIGINT' as const }])];
    this.schema = arrowSchema(this.outputColumns);
    this.changeSchema = changelogSchema(this.schema);
    this.inputSchema = arrowSchema(input);
  }

  /** Rows turned out during a batch, let go of once the batch's changes are emitted (a -D may name them). */
  private released: number[] = [];

  /** Partitions held (for tests and status). */
  get partitionCount(): number {
    return this.liveGroups;
  }

  /** What counts against the state bound: the rows kept and their partitions (the query's status shows it). */
  stateEntries(): number {
    return this.keptRows + this.liveGroups;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const view = new BatchView(batch, this.inputTypes);
    const ids = this.keys.ids(view);
    this.order.load(view);
    const windowed = this.windowEndColumn !== undefined;
    let ends: Int32Array | undefined;
    let endValid: Uint8Array | null = null;
    if (windowed) {
      const data = batch.data.children[this.windowEndColumn!]!;
      ends = int32View((data.values as BigInt64Array).subarray(0, n));
      endValid = data.nullCount > 0 ? view.column(this.windowEndColumn!).valid : null;
    }
    // A continuously updated Top-N emits the ranks that changed: each touched partition's rows before the batch.
    const before = windowed ? undefined : new Map<Group, Entry[]>();
    const inserted: Entry[] = [];
    let late = 0;
    for (let i = 0; i < n; i++) {
      let end = 0;
      if (ends !== undefined) {
        if (endValid !== null && endValid[i] === 0) continue;
        end = ends[2 * i + 1]! * 4294967296 + (ends[2 * i]! >>> 0);
        if (end <= this.watermark) {
          late++;
          continue;
        }
      }
      const k = ids[i]!;
      let g = this.groups[k];
      if (g === undefined) {
        g = this.groups[k] = { windowEnd: end, entries: [] };
        this.liveGroups++;
        if (windowed) {
          const keys = this.windows.get(end);
          if (keys === undefined) this.windows.set(end, [k]);
          else keys.push(k);
        }
      }
      const entries = g.entries;
      // Quick refusal: a full partition takes a row only if it beats (or, for RANK, ties) its last row.
      // (DENSE_RANK counts tied rows once, so its partitions are never full by count alone.)
      if (entries.length >= this.limit && this.fn !== 'dense_rank') {
        const d = this.order.compareRow(i, entries[entries.length - 1]!.keys);
        if (d > 0 || (d === 0 && this.fn === 'row_number')) continue;
      }
      const first = this.lowerBound(i, entries);
      if (!this.admits(entries, first)) continue;
      if (before !== undefined && !before.has(g)) before.set(g, entries.slice());
      // Rows that tie come in arrival order.
      const at = this.upperBound(i, entries, first);
      const entry: Entry = { keys: this.order.valuesOf(i), batch: -1, row: i };
      entries.splice(at, 0, entry);
      inserted.push(entry);
      this.keptRows++;
      this.trim(entries);
    }
    if (late > 0) ctx.metrics.lateRows += late;
    this.holdInserted(batch, inserted);
    if (before !== undefined && before.size > 0) this.emitChanges(before, out);
    for (const id of this.released) this.held.release(id);
    this.released = [];
    if (this.held.batches > 64 && this.held.batches * 8 > this.keptRows) this.compactHeld();
    this.stateLimit.check(this.stateEntries());
  }

  /** Index of the first kept row the batch row `i` does not come after (rows before it rank better). */
  private lowerBound(i: number, entries: readonly Entry[]): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order.compareRow(i, entries[mid]!.keys) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first kept row the batch row `i` comes before, from `from` on. */
  private upperBound(i: number, entries: readonly Entry[], from: number): number {
    let lo = from;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order.compareRow(i, entries[mid]!.keys) >= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether a row with `better` kept rows before it ranks within the limit. */
  private admits(entries: readonly Entry[], better: number): boolean {
    switch (this.fn) {
      case 'row_number':
      case 'rank':
        return better < this.limit;
      case 'dense_rank':
        return this.distinctBefore(entries, better) < this.limit;
    }
  }

  /** How many distinct sort values the first `count` kept rows hold. */
  private distinctBefore(entries: readonly Entry[], count: number): number {
    let distinct = 0;
    for (let j = 0; j < count; j++) if (j === 0 || this.order.compareKept(entries[j - 1]!.keys, entries[j]!.keys) !== 0) distinct++;
    return distinct;
  }

  /** Turns out the rows a new row pushed past the limit. */
  private trim(entries: Entry[]): void {
    switch (this.fn) {
      case 'row_number':
        while (entries.length > this.limit) this.drop(entries.pop()!);
        return;
      case 'rank':
      case 'dense_rank': {
        // Only the last run of tied rows can have passed the limit.
        const last = entries.length - 1;
        let f = last;
        while (f > 0 && this.order.compareKept(entries[f - 1]!.keys, entries[last]!.keys) === 0) f--;
        const rank = this.fn === 'rank' ? f + 1 : this.distinctBefore(entries, f + 1);
        if (rank > this.limit) for (const e of entries.splice(f)) this.drop(e);
        return;
      }
    }
  }

  private drop(e: Entry): void {
    this.keptRows--;
    if (e.batch >= 0) this.released.push(e.batch);
    else e.batch = -2;
  }

  /** Copies the batch's rows that stayed in some partition into a batch of their own. */
  private holdInserted(batch: RecordBatch, inserted: readonly Entry[]): void {
    const kept = inserted.filter((e) => e.batch === -1);
    if (kept.length === 0) return;
    const rows = Int32Array.from(kept, (e) => e.row);
    const id = this.held.add(takeBatch(batch, rows, rows.length), null, rows.length);
    kept.forEach((e, j) => {
      e.batch = id;
      e.row = j;
    });
  }

  /** The rank of each kept row, in order. */
  private ranks(entries: readonly Entry[]): number[] {
    const out: number[] = new Array(entries.length);
    let dense = 0;
    for (let j = 0; j < entries.length; j++) {
      const tie = j > 0 && this.order.compareKept(entries[j - 1]!.keys, entries[j]!.keys) === 0;
      if (!tie) dense++;
      out[j] = this.fn === 'row_number' ? j + 1 : this.fn === 'rank' ? (tie ? out[j - 1]! : j + 1) : dense;
    }
    return out;
  }

  /**
   * The changes of each touched partition: -D for rows pushed out, -U/+U for rows whose rank changed
   * (only when the rank is an output column: otherwise the row is the same), +I for rows that came in.
   */
  private emitChanges(before: ReadonlyMap<Group, readonly Entry[]>, out: Collector): void {
    const ids: number[] = [];
    const rows: number[] = [];
    const ranks: number[] = [];
    const kinds: number[] = [];
    const add = (e: Entry, rank: number, kind: number): void => {
      ids.push(e.batch);
      rows.push(e.row);
      ranks.push(rank);
      kinds.push(kind);
    };
    for (const [g, was] of before) {
      const wasRanks = this.ranks(was);
      const nowRanks = this.ranks(g.entries);
      const rankBefore = new Map<Entry, number>();
      was.forEach((e, j) => rankBefore.set(e, wasRanks[j]!));
      const now = new Set(g.entries);
      was.forEach((e, j) => {
        if (!now.has(e)) add(e, wasRanks[j]!, DELETE);
      });
      g.entries.forEach((e, j) => {
        const old = rankBefore.get(e);
        const rank = nowRanks[j]!;
        if (old === undefined) add(e, rank, INSERT);
        else if (old !== rank && this.withRank) {
          add(e, old, UPDATE_BEFORE);
          add(e, rank, UPDATE_AFTER);
        }
      });
    }
    if (ids.length === 0) return;
    const extra = [...this.rankData(ranks), rowKindData(Int8Array.from(kinds))];
    out.emit(this.held.gather(this.changeSchema, Int32Array.from(ids), Int32Array.from(rows), ids.length, extra));
  }

  private rankData(ranks: readonly number[]): ReturnType<typeof columnToArrow>[] {
    return this.withRank ? [columnToArrow({ type: 'BIGINT', length: ranks.length, values: Float64Array.from(ranks), valid: null })] : [];
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    if (!(watermarkMs > this.watermark)) return;
    this.watermark = watermarkMs;
    if (this.windowEndColumn === undefined) return;
    const closed = [...this.windows.keys()].filter((end) => end <= watermarkMs).sort((a, b) => a - b);
    if (closed.length === 0) return;
    const ids: number[] = [];
    const rows: number[] = [];
    const ranks: number[] = [];
    for (const end of closed) {
      const keys = this.windows.get(end)!.sort((a, b) => a - b);
      this.windows.delete(end);
      for (const k of keys) {
        const g = this.groups[k]!;
        const r = this.ranks(g.entries);
        g.entries.forEach((e, j) => {
          ids.push(e.batch);
          rows.push(e.row);
          ranks.push(r[j]!);
        });
        this.keptRows -= g.entries.length;
        this.groups[k] = undefined;
        this.liveGroups--;
      }
    }
    if (ids.length > 0) out.emit(this.held.emit(this.schema, Int32Array.from(ids), Int32Array.from(rows), ids.length, this.rankData(ranks)));
    // Partition ids are only meaningful while a window holds them: start afresh when none does.
    if (this.liveGroups === 0) {
      this.groups = [];
      this.keys.clear();
    } else if (this.keys.size > COMPACT_MIN_KEYS && this.keys.size > 2 * this.liveGroups) this.compactKeys();
  }

  private compactKeys(): void {
    const remap = this.keys.compact((id) => this.groups[id] !== undefined);
    const groups: (Group | undefined)[] = [];
    this.groups.forEach((g, id) => {
      if (g !== undefined) groups[remap[id]!] = g;
    });
    this.groups = groups;
    for (const [end, keys] of this.windows) this.windows.set(end, keys.map((k) => remap[k]!));
  }

  /** Gathers every kept row into one batch, once rows turned out have left many batches holding few. */
  private compactHeld(): void {
    const entries = this.groups.flatMap((g) => g?.entries ?? []);
    const batch = this.held.gather(this.inputSchema, Int32Array.from(entries, (e) => e.batch), Int32Array.from(entries, (e) => e.row), entries.length, []);
    this.held.clear();
    const id = this.held.add(batch, null, entries.length);
    entries.forEach((e, j) => {
      e.batch = id;
      e.row = j;
    });
  }

  onClose(): void {
    this.held.clear();
    this.groups = [];
    this.windows.clear();
    this.liveGroups = 0;
    this.keptRows = 0;
    this.keys.clear();
  }

  /** 1: TopNSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): TopNSnapshot {
    const groups: TopNSnapshot['groups'][number][] = [];
    const rows: SavedRow[] = [];
    const saver = new RowSaver(this.inputTypes);
    this.groups.forEach((g, id) => {
      if (g === undefined) return;
      groups.push({ key: this.keys.mapper.values(id), windowEnd: this.windowEndColumn === undefined ? null : g.windowEnd, sortKeys: g.entries.map((e) => e.keys) });
      for (const e of g.entries) rows.push(saver.save(this.held.batch(e.batch), e.row));
    });
    return { watermark: Number.isFinite(this.watermark) ? this.watermark : null, groups, rows };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as TopNSnapshot;
    this.watermark = snap.watermark ?? -Infinity;
    if (snap.rows.length === 0) return;
    const id = this.held.add(restoreRows(this.inputSchema, this.inputTypes, snap.rows), null, snap.rows.length);
    let row = 0;
    for (const saved of snap.groups) {
      const k = this.keys.mapper.idOf(saved.key);
      const windowEnd = saved.windowEnd ?? 0;
      this.groups[k] = { windowEnd, entries: saved.sortKeys.map((keys) => ({ keys, batch: id, row: row++ })) };
      this.liveGroups++;
      this.keptRows += saved.sortKeys.length;
      if (saved.windowEnd !== null) {
        const keys = this.windows.get(windowEnd);
        if (keys === undefined) this.windows.set(windowEnd, [k]);
        else keys.push(k);
      }
    }
  }
}
