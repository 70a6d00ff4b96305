// Deduplication on event time: ROW_NUMBER() OVER (PARTITION BY k ORDER BY time ASC|DESC) = 1. Rows wait,
// copied out of their input batch, until the watermark passes them. Keep first holds one candidate per
// partition, the earliest row seen: once the watermark passes it no earlier row can arrive, and it is
// emitted. Keep last holds the rows the watermark has not passed yet, one per time (of rows with equal
// times, the one that came last), and at each watermark emits the latest of those it passed.
//
// Keep first emits one row per partition for the life of the query: the partition's key is remembered,
// and later rows of it are dropped. Keep last emits a partition's latest row whenever the watermark passes
// a newer one, as a changelog (plan/changelog.ts): +I for the partition's first row, then a -U of the row
// emitted before and a +U of the new one; it keeps the row it emitted last, to withdraw it. Either way
// every partition seen is held for the life of the query and counts against the state key limit.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { DeduplicateNode } from '../plan/over.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import { arrowSchema } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { columnToArrow } from '../batch/column.js';
import { changelogSchema, INSERT, rowKindData, UPDATE_AFTER, UPDATE_BEFORE } from '../batch/row-kinds.js';
import { int32View } from '../batch/int64.js';
import { takeBatch } from '../batch/take.js';
import type { ExprContext } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';
import { HeldBatches } from './held-batches.js';
import type { KeyValue } from './key-mapper.js';
import { PartitionKeys } from './partition-keys.js';
import { restoreRows, RowSaver, type SavedRow } from './row-snapshot.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';

/** A row waiting for the watermark: its time and where it is held (batch -1: the batch being processed; -2: replaced in it). */
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
  /** The candidates' rows, then (keep last) the rows emitted last, in `emitted`'s order. */
  readonly rows: SavedRow[];
  /** Keep last: the partitions with a row emitted. */
  readonly emitted?: KeyValue[][];
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
  /** Each partition's rows waiting for the watermark, in order of time (keep first: at most one). */
  private candidates: (Candidate[] | undefined)[] = [];
  /** Partitions with rows waiting, in the order they got their first. */
  private waiting: number[] = [];
  /** Rows waiting, over all partitions. */
  private waitingRows = 0;
  /** Keep first: 1 for each partition whose row has been emitted. */
  private done = new Uint8Array(0);
  /** Keep last: each partition's row emitted last. */
  private emitted: (Candidate | undefined)[] = [];
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
    // Keep last emits a changelog: its batches carry the row kind.
    this.schema = node.keep === 'first' ? arrowSchema(this.outputColumns) : changelogSchema(arrowSchema(this.outputColumns));
    this.inputSchema = arrowSchema(input);
  }

  /** What counts against the state bound: the partitions remembered and the rows waiting for the watermark (the query's status shows it). */
  stateEntries(): number {
    return this.keys.size + this.waitingRows;
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
      let list = this.candidates[k];
      if (list === undefined) {
        list = this.candidates[k] = [];
        this.waiting.push(k);
      }
      const candidate: Candidate = { time: t, batch: -1, row: i };
      if (this.first) {
        // The earliest row; of rows with equal times, the one that came first.
        const c = list[0];
        if (c !== undefined && t >= c.time) continue;
        if (c !== undefined) this.replace(c);
        else this.waitingRows++;
        list[0] = candidate;
      } else {
        // One row per time, the one that came last.
        let at = list.length;
        while (at > 0 && list[at - 1]!.time > t) at--;
        const same = at > 0 ? list[at - 1]! : undefined;
        if (same !== undefined && same.time === t) {
          this.replace(same);
          list[at - 1] = candidate;
        } else {
          list.splice(at, 0, candidate);
          this.waitingRows++;
        }
      }
      fresh.push(candidate);
    }
    if (late > 0) ctx.metrics.lateRows += late;
    // The batch's rows still waiting are copied into a batch of their own.
    const kept = fresh.filter((c) => c.batch === -1);
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

  /** A waiting row another took the place of. */
  private replace(c: Candidate): void {
    if (c.batch >= 0) this.held.release(c.batch);
    else c.batch = -2;
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    if (!(watermarkMs > this.watermark)) return;
    this.watermark = watermarkMs;
    // Per partition the watermark passed some rows of, the latest of them (the only one keep first has).
    const ready: { key: number; row: Candidate }[] = [];
    const still: number[] = [];
    const released: number[] = [];
    for (const k of this.waiting) {
      const list = this.candidates[k]!;
      let passed = 0;
      while (passed < list.length && list[passed]!.time < watermarkMs) passed++;
      if (passed > 0) {
        ready.push({ key: k, row: list[passed - 1]! });
        for (let j = 0; j < passed - 1; j++) released.push(list[j]!.batch);
        list.splice(0, passed);
        this.waitingRows -= passed;
      }
      if (list.length > 0) still.push(k);
      else this.candidates[k] = undefined;
    }
    if (ready.length === 0) return;
    this.waiting = still;
    ready.sort((a, b) => a.row.time - b.row.time || a.key - b.key);
    const ids: number[] = [];
    const rows: number[] = [];
    const kinds: number[] = [];
    const add = (c: Candidate, kind: number): void => {
      ids.push(c.batch);
      rows.push(c.row);
      kinds.push(kind);
    };
    for (const { key: k, row: c } of ready) {
      if (this.first) {
        this.done[k] = 1;
        add(c, INSERT);
        released.push(c.batch);
        continue;
      }
      const previous = this.emitted[k];
      if (previous === undefined) add(c, INSERT);
      else {
        add(previous, UPDATE_BEFORE);
        add(c, UPDATE_AFTER);
        released.push(previous.batch);
      }
      this.emitted[k] = c;
    }
    const count = ids.length;
    const extra = [
      ...(this.withRank ? [columnToArrow({ type: 'BIGINT', length: count, values: new Float64Array(count).fill(1), valid: null })] : []),
      ...(this.first ? [] : [rowKindData(Int8Array.from(kinds))]),
    ];
    out.emit(this.held.gather(this.schema, Int32Array.from(ids), Int32Array.from(rows), count, extra));
    for (const id of released) this.held.release(id);
  }

  /** Every partition seen is held (keep first remembers it, keep last keeps the row it emitted), and every row waiting. */
  private checkState(): void {
    this.limit.check(this.stateEntries());
  }

  onClose(): void {
    this.held.clear();
    this.candidates = [];
    this.waiting = [];
    this.waitingRows = 0;
    this.done = new Uint8Array(0);
    this.emitted = [];
    this.keys.clear();
  }

  /** 1: DeduplicateSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): DeduplicateSnapshot {
    const done: KeyValue[][] = [];
    if (this.first) for (let k = 0; k < this.keys.size; k++) if (this.done[k] === 1) done.push(this.keys.mapper.values(k));
    const waiting = this.waiting.flatMap((k) => this.candidates[k]!.map((c) => ({ k, c })));
    const emittedKeys: number[] = [];
    this.emitted.forEach((c, k) => {
      if (c !== undefined) emittedKeys.push(k);
    });
    const saver = new RowSaver(this.inputTypes);
    const rowOf = (c: Candidate): SavedRow[] => [saver.save(this.held.batch(c.batch), c.row)];
    return {
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      done,
      candidates: waiting.map(({ k, c }) => ({ key: this.keys.mapper.values(k), time: c.time })),
      rows: [...waiting.flatMap(({ c }) => rowOf(c)), ...emittedKeys.flatMap((k) => rowOf(this.emitted[k]!))],
      ...(this.first ? {} : { emitted: emittedKeys.map((k) => this.keys.mapper.values(k)) }),
    };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as DeduplicateSnapshot;
    this.watermark = snap.watermark ?? -Infinity;
    const ids = snap.done.map((key) => this.keys.mapper.idOf(key));
    const candidateIds = snap.candidates.map((c) => this.keys.mapper.idOf(c.key));
    const emittedIds = (snap.emitted ?? []).map((key) => this.keys.mapper.idOf(key));
    this.done = new Uint8Array(Math.max(16, this.keys.size));
    for (const k of ids) this.done[k] = 1;
    if (snap.rows.length === 0) return;
    const id = this.held.add(restoreRows(this.inputSchema, this.inputTypes, snap.rows), null, snap.rows.length);
    // Candidates were saved partition by partition, each partition's in order of time.
    snap.candidates.forEach((c, j) => {
      const k = candidateIds[j]!;
      let list = this.candidates[k];
      if (list === undefined) {
        list = this.candidates[k] = [];
        this.waiting.push(k);
      }
      list.push({ time: c.time, batch: id, row: j });
      this.waitingRows++;
    });
    emittedIds.forEach((k, j) => {
      this.emitted[k] = { time: 0, batch: id, row: candidateIds.length + j };
    });
  }
}
