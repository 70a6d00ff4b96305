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
import { numericValues, type Column } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { ExprContext } from '../expr/compile-expr.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { Aggregation, arrowSchema, outputBatch, validateAggregates } from './aggregation.js';
import { HeldBatches } from './held-batches.js';
import type { KeyValue } from './key-mapper.js';
import { RowSaver, restoreRows, type SavedRow } from './row-snapshot.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';

/** Below this many key ids, renumbering is not worth its cost. */
const COMPACT_MIN_KEYS = 4096;

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
  private readonly schema: Schema;
  private readonly inputSchema: Schema;
  private readonly inputTypes: readonly DataType[];
  private readonly agg: Aggregation;
  private readonly rangeMs: number;
  private readonly timeColumn: number;
  private readonly limit: StateKeyLimit;
  private watermark = -Infinity;
  private readonly held = new HeldBatches<HeldRows>();

  // Per slot (window): its start and key id (-1 when the slot holds no window).
  private start: Float64Array = new Float64Array(0);
  private keyOf: Int32Array = new Int32Array(0);
  /** Per key id: its latest open window, -1 when it has none. */
  private latest: Int32Array = new Int32Array(0);
  /** Open windows in the order they opened, which is the order they close: slots[head..tail). */
  private queue: Int32Array = new Int32Array(1024);
  private queueHead = 0;
  private queueTail = 0;

  constructor(node: StaggerWindowAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    if (!Number.isSafeInteger(node.rangeMs) || node.rangeMs <= 0) throw new EddyError('ValidationException', `stagger window range must be a whole number of milliseconds > 0, got ${node.rangeMs}`);
    this.rangeMs = node.rangeMs;
    const tc = input[node.timeColumn];
    if (!tc) throw new EddyError('ValidationException', `stagger window time column ${node.timeColumn} is out of range (input has ${input.length} columns)`);
    if (tc.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `stagger window time column '${tc.name}' must be TIMESTAMP, got ${tc.type}`);
    this.timeColumn = node.timeColumn;
    this.limit = new StateKeyLimit(maxStateKeys, `WINDOWED BY STAGGER (PARTITION BY ${node.keys.map((k) => k.name).join(', ') || 'nothing'})`);
    validateAggregates(node.aggregates, node.keys, ['window_start', 'window_end']);
    this.agg = new Aggregation(input, node.keys, node.aggregates, context);
    this.inputTypes = input.map((c) => c.type);
    this.inputSchema = arrowSchema(input);
    this.outputColumns = [
      { name: 'window_start', type: 'TIMESTAMP' },
      { name: 'window_end', type: 'TIMESTAMP' },
      ...node.keys.map((k) => ({ name: k.name, type: k.expr.type })),
      ...node.aggregates.map((a) => ({ name: a.name, type: a.type })),
    ];
    this.schema = arrowSchema(this.outputColumns);
  }

  generatedCode(): readonly GeneratedCode[] {
    return this.agg.generatedCode({ what: 'aggregate loop: the accumulators update column by column over the rows each watermark releases', params: [], body: '' });
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
    this.checkState();
  }

  /** Holds a batch's rows that are on time until the watermark passes them; returns how many were late. */
  private hold(batch: RecordBatch): number {
    const n = batch.numRows;
    const view = this.agg.view(batch);
    const time = view.column(this.timeColumn);
    const values = numericValues(time);
    const tv = time.valid;
    const keys = Int32Array.from(this.agg.keyIds(view).subarray(0, n));
    this.ensureKeys(this.agg.keys.size);
    const times = new Float64Array(n);
    const waiting = new Uint8Array(n);
    let live = 0;
    let late = 0;
    for (let i = 0; i < n; i++) {
      // A row without a time belongs to no window.
      if (tv !== null && tv[i] === 0) continue;
      const t = values[i]!;
      if (t < this.watermark) {
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
    if (!(watermarkMs > this.watermark)) return;
    this.watermark = watermarkMs;
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
    for (const [id, slots] of slotsOf) {
      this.agg.accumulate(this.agg.view(this.held.batch(id)), slots);
      let count = 0;
      for (let i = 0; i < slots.length; i++) if (slots[i]! >= 0) count++;
      this.held.release(id, count);
    }
  }

  /** The window of key k that takes a row at time t: the key's latest, unless t is at or past its end. */
  private windowFor(k: number, t: number): number {
    const w = this.latest[k]!;
    if (w >= 0 && t < this.start[w]! + this.rangeMs) return w;
    const slot = this.agg.state.alloc();
    this.ensureSlots(slot + 1);
    this.start[slot] = t;
    this.keyOf[slot] = k;
    this.latest[k] = slot;
    this.push(slot);
    return slot;
  }

  private emitClosed(watermarkMs: number, out: Collector): void {
    const range = this.rangeMs;
    const due: number[] = [];
    while (this.queueHead < this.queueTail) {
      const s = this.queue[this.queueHead]!;
      if (this.start[s]! + range > watermarkMs) break;
      due.push(s);
      this.queueHead++;
    }
    if (due.length === 0) return;
    const count = due.length;
    const starts = new Float64Array(count);
    const ends = new Float64Array(count);
    const keyIds = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const s = due[i]!;
      starts[i] = this.start[s]!;
      ends[i] = this.start[s]! + range;
      keyIds[i] = this.keyOf[s]!;
    }
    const columns: Column[] = [
      { type: 'TIMESTAMP', length: count, values: starts, valid: null },
      { type: 'TIMESTAMP', length: count, values: ends, valid: null },
      ...this.agg.keys.columns(keyIds, count),
      ...this.agg.finalize(due, count),
    ];
    out.emit(outputBatch(this.schema, columns, count));
    for (const s of due) {
      const k = this.keyOf[s]!;
      if (this.latest[k] === s) this.latest[k] = -1;
      this.keyOf[s] = -1;
      this.agg.state.release(s);
    }
    this.compactQueue();
    // Key ids mean something only while a window or a held row refers to them: start afresh when none
    // does, and renumber the live ones when the others dominate, so memory follows open windows.
    if (this.openWindows === 0 && this.held.rows === 0) {
      this.agg.keys.clear();
      this.latest.fill(-1);
    } else if (this.agg.keys.size > COMPACT_MIN_KEYS && this.agg.keys.size > 2 * (this.openWindows + this.held.rows)) this.compactKeys();
  }

  private compactKeys(): void {
    const old = this.agg.keys;
    const fresh = old.emptyCopy();
    const remap = new Int32Array(old.size).fill(-1);
    const idOf = (k: number): number => {
      if (remap[k]! < 0) remap[k] = fresh.idOf(old.values(k));
      return remap[k]!;
    };
    const latest = new Int32Array(Math.max(64, old.size)).fill(-1);
    for (let q = this.queueHead; q < this.queueTail; q++) {
      const s = this.queue[q]!;
      const id = idOf(this.keyOf[s]!);
      if (this.latest[this.keyOf[s]!] === s) latest[id] = s;
      this.keyOf[s] = id;
    }
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      for (let i = 0; i < rows.waiting.length; i++) if (rows.waiting[i] === 1) rows.keys[i] = idOf(rows.keys[i]!);
    }
    this.latest = latest;
    this.agg.replaceKeys(fresh);
  }

  private checkState(): void {
    const state = this.agg.state;
    this.limit.check(state.liveSlots + state.distinctValues + this.held.rows, state.distinctValues);
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

  private ensureKeys(keys: number): void {
    if (this.latest.length >= keys) return;
    const grown = new Int32Array(Math.max(keys, this.latest.length * 2, 64)).fill(-1);
    grown.set(this.latest);
    this.latest = grown;
  }

  private ensureSlots(slots: number): void {
    if (this.keyOf.length >= slots) return;
    const capacity = Math.max(slots, this.keyOf.length * 2, 1024);
    const start = new Float64Array(capacity);
    start.set(this.start);
    this.start = start;
    const keyOf = new Int32Array(capacity).fill(-1);
    keyOf.set(this.keyOf);
    this.keyOf = keyOf;
  }

  onClose(): void {
    this.agg.release();
    this.held.clear();
    this.latest = new Int32Array(0);
    this.keyOf = new Int32Array(0);
    this.queueHead = this.queueTail = 0;
  }

  /** 1: StaggerSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): StaggerSnapshot {
    const windows: StaggerSnapshot['windows'][number][] = [];
    for (let q = this.queueHead; q < this.queueTail; q++) {
      const s = this.queue[q]!;
      windows.push({ key: this.agg.keys.values(this.keyOf[s]!), start: this.start[s]!, acc: this.agg.state.save(s) });
    }
    const saver = new RowSaver(this.inputTypes);
    const held: SavedRow[] = [];
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      const batch = this.held.batch(id);
      for (let i = 0; i < rows.waiting.length; i++) if (rows.waiting[i] === 1) held.push(saver.save(batch, i));
    }
    return { watermark: Number.isFinite(this.watermark) ? this.watermark : null, windows, held };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as StaggerSnapshot;
    for (const w of snap.windows) {
      const k = this.agg.keys.idOf(w.key);
      this.ensureKeys(this.agg.keys.size);
      const slot = this.agg.state.alloc();
      this.agg.state.load(slot, w.acc);
      this.ensureSlots(slot + 1);
      this.start[slot] = w.start;
      this.keyOf[slot] = k;
      // Windows were saved oldest first, so a key's last one is its latest.
      this.latest[k] = slot;
      this.push(slot);
    }
    // The held rows were on time when they came: they are held again before the watermark is restored.
    if (snap.held.length > 0) this.hold(restoreRows(this.inputSchema, this.inputTypes, snap.held));
    this.watermark = snap.watermark ?? -Infinity;
  }
}
