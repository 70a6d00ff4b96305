// Kinesis Data Analytics' stagger windows. Per key, a window opens at the time of the key's first row and
// takes the key's rows until that time + range; the first row at or after its end opens the key's next
// window. Which window a row joins depends on the rows of its key before it in time, so rows are taken in
// time order: each waits in its batch (held-batches.ts) until the watermark passes its time, when every
// row before it is known, and the rows the watermark releases are placed in time order. The windows are
// then the same however the rows were batched or the shards interleaved. A window is emitted once, when
// the watermark reaches its end; rows behind the watermark on arrival are dropped as late.
//
// Rows are released in time order across watermarks too (a released row is behind the watermark, a held
// one at or after it), so windows open, and close, in time order: a FIFO of open windows says which
// close next. A key has at most one window that can still take rows, its latest.
//
// Bounds: an open window is one aggregate slot (a fixed size, but for COUNT(DISTINCT)'s values); open
// windows, COUNT(DISTINCT) values and rows held for the watermark all count against the query's state
// key limit (state-key-limit.ts), past which the query fails naming it.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import type { StaggerWindowAggregateNode } from '../plan/plan.js';
import { numericValues } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { ExprContext } from '../expr/compile-expr.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { arrowSchema } from './aggregation.js';
import { HeldBatches } from './held-batches.js';
import { KeyedWindows } from './keyed-windows.js';
import type { KeyValue } from './key-mapper.js';
import { RowSaver, restoreRows, type SavedRow } from './row-snapshot.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';

/** What the operator keeps of a held batch: each row's time and key id, and which rows still wait. */
interface HeldRows {
  readonly times: Float64Array;
  readonly keys: Int32Array;
  /** 1 for a row still waiting for the watermark. */
  readonly waiting: Uint8Array;
}

interface StaggerSnapshot {
  readonly watermark: number | null;
  /** Every open window, oldest first: its key, start and accumulators' state. */
  readonly windows: { readonly key: KeyValue[]; readonly start: number; readonly acc: unknown[] }[];
  /** Input rows waiting for the watermark, every input column. */
  readonly held: SavedRow[];
}

export class StaggerWindowAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly inputSchema: Schema;
  private readonly inputTypes: readonly DataType[];
  private readonly rangeMs: number;
  private readonly held = new HeldBatches<HeldRows>();
  /** The open windows: start, end and key by slot; a key's newest window is the one that can still take rows. */
  private readonly windows: KeyedWindows;

  /** Open windows in the order they opened, which is the order they close: slots[head..tail). */
  private queue: Int32Array = new Int32Array(1024);
  private queueHead = 0;
  private queueTail = 0;

  constructor(node: StaggerWindowAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    if (!Number.isSafeInteger(node.rangeMs) || node.rangeMs <= 0) throw new EddyError('ValidationException', `stagger window range must be a whole number of milliseconds > 0, got ${node.rangeMs}`);
    this.rangeMs = node.rangeMs;
    const limit = new StateKeyLimit(maxStateKeys, `WINDOWED BY STAGGER (PARTITION BY ${node.keys.map((k) => k.name).join(', ') || 'nothing'})`);
    // Held rows refer to key ids too.
    const heldKeys = {
      count: () => this.held.rows,
      renumber: (idOf: (keyId: number) => number) => {
        for (const id of this.held.ids()) {
          const rows = this.held.data(id);
          for (let i = 0; i < rows.waiting.length; i++) if (rows.waiting[i] === 1) rows.keys[i] = idOf(rows.keys[i]!);
        }
      },
    };
    this.windows = new KeyedWindows('stagger window', node, input, context, limit, heldKeys);
    this.inputTypes = input.map((c) => c.type);
    this.inputSchema = arrowSchema(input);
    this.outputColumns = this.windows.outputColumns;
  }

  generatedCode(): readonly GeneratedCode[] {
    return this.windows.agg.generatedCode({ what: 'aggregate loop: the accumulators update column by column over the rows each watermark releases', params: [], body: '' });
  }

  /** Windows open now (for tests and status). */
  get openWindows(): number {
    return this.queueTail - this.queueHead;
  }

  /** Input rows waiting for the watermark (for tests and status). */
  get heldRows(): number {
    return this.held.rows;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, _out: Collector): void {
    if (batch.numRows === 0) return;
    const late = this.hold(batch);
    if (late > 0) ctx.metrics.lateRows += late;
    this.windows.checkState(this.held.rows);
  }

  /** Holds a batch's rows that are on time until the watermark passes them; returns how many were late. */
  private hold(batch: RecordBatch): number {
    const n = batch.numRows;
    const w = this.windows;
    const view = w.agg.view(batch);
    const time = view.column(w.timeColumn);
    const values = numericValues(time);
    const tv = time.valid;
    const keys = Int32Array.from(w.keyIds(view).subarray(0, n));
    const times = new Float64Array(n);
    const waiting = new Uint8Array(n);
    let live = 0;
    let late = 0;
    for (let i = 0; i < n; i++) {
      // A row without a time belongs to no window.
      if (tv !== null && tv[i] === 0) continue;
      const t = values[i]!;
      if (t < w.watermark) {
        late++;
        continue;
      }
      times[i] = t;
      waiting[i] = 1;
      live++;
    }
    if (live > 0) this.held.add(batch, { times, keys, waiting }, live);
    return late;
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    if (!this.windows.advance(watermarkMs)) return;
    this.release(watermarkMs);
    this.emitClosed(watermarkMs, out);
  }

  /** Places the held rows the watermark has passed, in time order, and adds them to their windows. */
  private release(watermarkMs: number): void {
    const ready: { id: number; row: number; time: number }[] = [];
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      for (let i = 0; i < rows.waiting.length; i++) {
        if (rows.waiting[i] === 1 && rows.times[i]! < watermarkMs) ready.push({ id, row: i, time: rows.times[i]! });
      }
    }
    if (ready.length === 0) return;
    // Rows of one time all join the same window of their key, so their order among themselves is free.
    ready.sort((a, b) => a.time - b.time);
    const slotsOf = new Map<number, Int32Array>();
    for (const { id, row, time } of ready) {
      const rows = this.held.data(id);
      let slots = slotsOf.get(id);
      if (slots === undefined) slotsOf.set(id, (slots = new Int32Array(rows.waiting.length).fill(-1)));
      slots[row] = this.windowFor(rows.keys[row]!, time);
      rows.waiting[row] = 0;
    }
    const agg = this.windows.agg;
    for (const [id, slots] of slotsOf) {
      agg.accumulate(agg.view(this.held.batch(id)), slots);
      let count = 0;
      for (let i = 0; i < slots.length; i++) if (slots[i]! >= 0) count++;
      this.held.release(id, count);
    }
  }

  /** The window of key k that takes a row at time t: the key's newest, unless t is at or past its end. */
  private windowFor(k: number, t: number): number {
    const w = this.windows;
    const newest = w.head[k]!;
    if (newest >= 0 && t < w.end[newest]!) return newest;
    const slot = w.open(k, t, t + this.rangeMs);
    this.push(slot);
    return slot;
  }

  private emitClosed(watermarkMs: number, out: Collector): void {
    const w = this.windows;
    const due: number[] = [];
    while (this.queueHead < this.queueTail) {
      const s = this.queue[this.queueHead]!;
      if (w.end[s]! > watermarkMs) break;
      due.push(s);
      this.queueHead++;
    }
    w.emit(due, out);
    this.compactQueue();
  }

  private push(slot: number): void {
    if (this.queueTail === this.queue.length) {
      this.compactQueue();
      if (this.queueTail === this.queue.length) {
        const grown = new Int32Array(this.queue.length * 2);
        grown.set(this.queue);
        this.queue = grown;
      }
    }
    this.queue[this.queueTail++] = slot;
  }

  /** Moves the open windows to the front of the queue once the closed ones take most of it. */
  private compactQueue(): void {
    if (this.queueHead === 0 || this.queueHead < this.queue.length / 2) return;
    this.queue.copyWithin(0, this.queueHead, this.queueTail);
    this.queueTail -= this.queueHead;
    this.queueHead = 0;
  }

  onClose(): void {
    this.windows.release();
    this.held.clear();
    this.queueHead = this.queueTail = 0;
  }

  /** 1: StaggerSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): StaggerSnapshot {
    const windows: StaggerSnapshot['windows'][number][] = [];
    for (let q = this.queueHead; q < this.queueTail; q++) {
      // A window's end is its start + the range: not saved.
      const { key, start, acc } = this.windows.save(this.queue[q]!);
      windows.push({ key, start, acc });
    }
    const saver = new RowSaver(this.inputTypes);
    const held: SavedRow[] = [];
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      const batch = this.held.batch(id);
      for (let i = 0; i < rows.waiting.length; i++) if (rows.waiting[i] === 1) held.push(saver.save(batch, i));
    }
    return { watermark: this.windows.savedWatermark, windows, held };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as StaggerSnapshot;
    // Windows were saved oldest first, so a key's last one is its newest.
    for (const w of snap.windows) this.push(this.windows.restore({ ...w, end: w.start + this.rangeMs }));
    // The held rows were on time when they came: they are held again before the watermark is restored.
    if (snap.held.length > 0) this.hold(restoreRows(this.inputSchema, this.inputTypes, snap.held));
    this.windows.watermark = snap.watermark ?? -Infinity;
  }
}
