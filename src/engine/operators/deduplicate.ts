// Deduplication on event time: ROW_NUMBER() OVER (PARTITION BY k ORDER BY time ASC|DESC) = 1. Each
// partition holds one candidate row, the earliest (keep first) or the latest (keep last) seen since its
// last emission, copied out of its input batch. When the watermark passes a candidate's time no earlier
// (keep first) row can arrive any more, and it is emitted.
//
// Keep first emits one row per partition for the life of the query: the partition's key is remembered
// (it counts against the state key limit), and later rows of it are dropped. Keep last emits a
// partition's latest row whenever the watermark passes a newer one: an upsert keyed by the partition.
// Once emitted, a keep-last partition holds nothing, since every row accepted later is newer.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { DeduplicateNode } from '../plan/over.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import { arrowSchema } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { columnToArrow } from '../batch/column.js';
import { int32View } from '../batch/int64.js';
import { takeBatch } from '../batch/take.js';
import type { ExprContext } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';
import { HeldBatches } from './held-batches.js';
import type { KeyValue } from './key-mapper.js';
import { PartitionKeys } from './partition-keys.js';
import { restoreRows, saveRows, type SavedRow } from './row-snapshot.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';

/** Below this many partition ids, renumbering is not worth its cost. */
const COMPACT_MIN_KEYS = 4096;

/** A partition's candidate row: its time and where it is held (batch -1: the batch being processed). */
interface Candidate {
  readonly time: number;
  batch: number;
  row: number;
}

interface DeduplicateSnapshot {
  readonly watermark: number | null;
  /** Keep first: the partitions whose row has been emitted. */
  readonly done: KeyValue[][];
  readonly candidates: { readonly key: KeyValue[]; readonly time: number }[];
  readonly rows: SavedRow[];
}

export class Deduplicate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  private readonly inputSchema: Schema;
  private readonly inputTypes: readonly DataType[];
  private readonly timeColumn: number;
  private readonly first: boolean;
  private readonly withRank: boolean;
  private readonly keys: PartitionKeys;
  private readonly held = new HeldBatches<null>();
  private candidates: (Candidate | undefined)[] = [];
  /** Partitions with a candidate, in the order they got one. */
  private waiting: number[] = [];
  /** Keep first: 1 for each partition whose row has been emitted. */
  private done = new Uint8Array(0);
  private watermark = -Infinity;
  private readonly limit: StateKeyLimit;

  constructor(node: DeduplicateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    const tc = input[node.timeColumn];
    if (tc?.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `deduplication time column ${node.timeColumn} must be a TIMESTAMP column`);
    if (node.rankColumn !== undefined && input.some((c) => c.name === node.rankColumn)) throw new EddyError('ValidationException', `duplicate output column '${node.rankColumn}'`);
    this.timeColumn = node.timeColumn;
    this.first = node.keep === 'first';
    this.withRank = node.rankColumn !== undefined;
    this.inputTypes = input.map((c) => c.type);
    this.keys = new PartitionKeys(node.partitionBy, this.inputTypes, context);
    this.limit = new StateKeyLimit(maxStateKeys, `deduplication (PARTITION BY ${node.partitionBy.map((k) => k.name).join(', ') || 'nothing'})`);
    this.outputColumns = [...input, ...(node.rankColumn === undefined ? [] : [{ name: node.rankColumn, type: 'BIGINT' as const }])];
    this.schema = arrowSchema(this.outputColumns);
    this.inputSchema = arrowSchema(input);
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, _out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const view = new BatchView(batch, this.inputTypes);
    const ids = this.keys.ids(view);
    if (this.first && this.done.length < this.keys.size) {
      const grown = new Uint8Array(Math.max(this.keys.size, this.done.length * 2));
      grown.set(this.done);
      this.done = grown;
    }
    const data = batch.data.children[this.timeColumn]!;
    const pairs = int32View((data.values as BigInt64Array).subarray(0, n));
    const tv = data.nullCount > 0 ? view.column(this.timeColumn).valid : null;
    const wm = this.watermark;
    const fresh: Candidate[] = [];
    let late = 0;
    for (let i = 0; i < n; i++) {
      if (tv !== null && tv[i] === 0) continue;
      const t = pairs[2 * i + 1]! * 4294967296 + (pairs[2 * i]! >>> 0);
      if (t < wm) {
        late++;
        continue;
      }
      const k = ids[i]!;
      if (this.first && this.done[k] === 1) continue;
      const c = this.candidates[k];
      // Ties go to the row that came first (keep first) or last (keep last).
      if (c !== undefined && (this.first ? t >= c.time : t < c.time)) continue;
      if (c === undefined) this.waiting.push(k);
      else if (c.batch >= 0) this.held.release(c.batch);
      const candidate: Candidate = { time: t, batch: -1, row: i };
      this.candidates[k] = candidate;
      fresh.push(candidate);
    }
    if (late > 0) ctx.metrics.lateRows += late;
    // The batch's rows that are still candidates are copied into a batch of their own.
    const kept = fresh.filter((c) => this.candidates[ids[c.row]!] === c);
    if (kept.length > 0) {
      const rows = Int32Array.from(kept, (c) => c.row);
      const id = this.held.add(takeBatch(batch, rows, rows.length), null, rows.length);
      kept.forEach((c, j) => {
        c.batch = id;
        c.row = j;
      });
    }
    this.checkState();
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    if (!(watermarkMs > this.watermark)) return;
    this.watermark = watermarkMs;
    const ready: number[] = [];
    const still: number[] = [];
    for (const k of this.waiting) (this.candidates[k]!.time < watermarkMs ? ready : still).push(k);
    if (ready.length === 0) return;
    this.waiting = still;
    ready.sort((a, b) => this.candidates[a]!.time - this.candidates[b]!.time || a - b);
    const ids = new Int32Array(ready.length);
    const rows = new Int32Array(ready.length);
    ready.forEach((k, j) => {
      const c = this.candidates[k]!;
      ids[j] = c.batch;
      rows[j] = c.row;
      this.candidates[k] = undefined;
      if (this.first) this.done[k] = 1;
    });
    const rank = this.withRank ? [columnToArrow({ type: 'BIGINT', length: ready.length, values: new Float64Array(ready.length).fill(1), valid: null })] : [];
    out.emit(this.held.emit(this.schema, ids, rows, ready.length, rank));
    // Keep last lets go of emitted partitions: renumber ids once those dominate.
    if (!this.first && this.keys.size > COMPACT_MIN_KEYS && this.keys.size > 2 * this.waiting.length) this.compactKeys();
  }

  private compactKeys(): void {
    const remap = this.keys.compact((id) => this.candidates[id] !== undefined);
    const candidates: (Candidate | undefined)[] = [];
    this.candidates.forEach((c, id) => {
      if (c !== undefined) candidates[remap[id]!] = c;
    });
    this.candidates = candidates;
    this.waiting = this.waiting.map((k) => remap[k]!);
  }

  /** Keep first holds every partition it has seen; keep last, its candidates. */
  private checkState(): void {
    this.limit.check(this.first ? this.keys.size : this.waiting.length);
  }

  onClose(): void {
    this.held.clear();
    this.candidates = [];
    this.waiting = [];
    this.done = new Uint8Array(0);
    this.keys.clear();
  }

  /** 1: DeduplicateSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): DeduplicateSnapshot {
    const done: KeyValue[][] = [];
    if (this.first) for (let k = 0; k < this.keys.size; k++) if (this.done[k] === 1) done.push(this.keys.mapper.values(k));
    const candidates = this.waiting.map((k) => ({ key: this.keys.mapper.values(k), time: this.candidates[k]!.time }));
    const rows = this.waiting.flatMap((k) => {
      const c = this.candidates[k]!;
      return saveRows(this.held.batch(c.batch), this.inputTypes, [c.row], 1);
    });
    return { watermark: Number.isFinite(this.watermark) ? this.watermark : null, done, candidates, rows };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as DeduplicateSnapshot;
    this.watermark = snap.watermark ?? -Infinity;
    const ids = snap.done.map((key) => this.keys.mapper.idOf(key));
    const candidateIds = snap.candidates.map((c) => this.keys.mapper.idOf(c.key));
    this.done = new Uint8Array(Math.max(16, this.keys.size));
    for (const k of ids) this.done[k] = 1;
    if (snap.rows.length === 0) return;
    const id = this.held.add(restoreRows(this.inputSchema, this.inputTypes, snap.rows), null, snap.rows.length);
    snap.candidates.forEach((c, j) => {
      const k = candidateIds[j]!;
      this.candidates[k] = { time: c.time, batch: id, row: j };
      this.waiting.push(k);
    });
  }
}
