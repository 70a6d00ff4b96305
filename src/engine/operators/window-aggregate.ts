// Tumbling, hopping and cumulating event-time windows keyed by group. Windows are half-open [start, end)
// and aligned to the epoch (plus the window's offset). Each row updates exactly one slide-sized pane (the
// whole window for tumbling, one step for cumulating), so the per-row cost does not depend on size/slide;
// a hopping or cumulating window is the merge of its panes, made once, when the watermark passes its end
// (EMIT ON WINDOW CLOSE).
//
// A row counts in every window it belongs to that has not fired yet, wherever it stands against the
// watermark, so the result does not depend on how rows were batched: a row is late only once every window
// it belongs to has fired, and, with allowed lateness, been kept that much longer. Rows in windows that
// fired but are still kept revise them: the window's row is retracted (-U) and emitted anew (+U), so the
// output of a window with allowed lateness is a changelog. Rows later than that are counted and handed to
// the query's late-row output.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import { outputColumns, type WindowAggregateNode } from '../plan/plan.js';
import { columnToArrow, int32Values, type Column } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { ExprContext } from '../expr/compile-expr.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { Aggregation, arrowSchema, outputBatch, validateAggregates, windowTimeColumn } from './aggregation.js';
import { DIRECT_INT_KEY, TIME_NULLS, WINDOW_KERNEL_PARAMS, windowKernel, windowKernelSource, type WindowKernel, type WindowKernelHost } from './aggregate-kernels.js';
import type { BatchView } from '../batch/batch-view.js';
import type { KeyValue } from './key-mapper.js';
import { int32View } from '../batch/int64.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit, groupByText } from './state-key-limit.js';
import { takeBatch } from '../batch/take.js';
import { changelogBatch, changelogSchema } from '../batch/row-kinds.js';
import { updatePairs } from '../batch/update-pairs.js';

/** INT key values below this index a pane's slots directly; the array per pane is bounded by it. */
const BY_VALUE_LIMIT = 1 << 16;

/** Below this many key ids, renumbering is not worth its cost. */
const COMPACT_MIN_KEYS = 4096;

interface Pane {
  readonly index: number;
  /** Slot of each key id in this pane, -1 when the key has no rows here. */
  slotOfKey: Int32Array;
  readonly keyIds: number[];
  /**
   * For a single INT key: slot by key value for values below BY_VALUE_LIMIT (-1: not known yet), made
   * on first use. Slots do not change when key ids are renumbered, so this stays valid.
   */
  byValue?: Int32Array;
}

interface WindowSnapshot {
  readonly watermark: number | null;
  readonly nextWindow: number | null;
  readonly panes: { index: number; groups: { key: KeyValue[]; acc: unknown[] }[] }[];
}

export class WindowAggregate implements Operator, WindowKernelHost {
  readonly outputColumns: readonly ColumnSchema[];
  /** The output columns, and the row kind when the output is a changelog. */
  private readonly schema: Schema;
  /** How long after a window fires it still takes late rows (0: it is dropped when it fires). */
  private readonly latenessMs: number;
  /** Whether windows are revised after they fire, so every batch carries row kinds. */
  private readonly changelog: boolean;
  private readonly inputColumns: readonly ColumnSchema[];
  private readonly agg: Aggregation;
  private readonly paneMs: number;
  /** Panes per window (for CUMULATE, per size-aligned period: its largest window). */
  private readonly panesPerWindow: number;
  /** CUMULATE: every window of a period starts at the period's first pane. */
  private readonly cumulative: boolean;
  /** Where panes start: pane p is [offsetMs + p × paneMs, offsetMs + (p + 1) × paneMs). */
  private readonly offsetMs: number;
  private readonly timeColumn: number;
  /** A single key that is a bare INT column: the fused loop finds slots by its values. */
  private readonly intKeyColumn: number | undefined;
  private readonly panes = new Map<number, Pane>();
  private watermark = -Infinity;
  /**
   * Pane index of the end of the next window to emit (windows are named by their last pane): windows
   * before it have fired. Rows of panes before it take the slower path (see processBehind).
   */
  private nextWindow = -Infinity;
  private mergeScratch = new Int32Array(0);
  /** Fused loops by NULL mask, made on first use. */
  private readonly kernels = new Map<number, WindowKernel>();
  /** Bounds the (pane, key) pairs of open windows plus the COUNT(DISTINCT) values they hold. */
  private readonly limit: StateKeyLimit;

  constructor(node: WindowAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    this.limit = new StateKeyLimit(maxStateKeys, groupByText(node.keys, true));
    const w = node.window;
    const positive = (ms: number, what: string): void => {
      if (!Number.isSafeInteger(ms) || ms <= 0) throw new EddyError('ValidationException', `window ${what} must be a whole number of milliseconds > 0, got ${ms}`);
    };
    positive(w.sizeMs, 'size');
    if (w.kind === 'hop') {
      positive(w.slideMs, 'slide');
      if (w.sizeMs % w.slideMs !== 0) {
        throw new EddyError('ValidationException', `HOP size ${w.sizeMs / 1000} s must be a whole multiple of slide ${w.slideMs / 1000} s`);
      }
    }
    if (w.kind === 'cumulate') {
      positive(w.stepMs, 'step');
      if (w.sizeMs % w.stepMs !== 0) {
        throw new EddyError('ValidationException', `CUMULATE size ${w.sizeMs / 1000} s must be a whole multiple of step ${w.stepMs / 1000} s`);
      }
    }
    this.paneMs = w.kind === 'hop' ? w.slideMs : w.kind === 'cumulate' ? w.stepMs : w.sizeMs;
    this.panesPerWindow = w.sizeMs / this.paneMs;
    this.cumulative = w.kind === 'cumulate';
    const offset = w.offsetMs ?? 0;
    const period = w.kind === 'hop' ? w.slideMs : w.sizeMs;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= period) {
      throw new EddyError('ValidationException', `window offset must be a whole number of milliseconds in [0, ${period}), got ${offset}`);
    }
    this.offsetMs = offset;
    this.timeColumn = windowTimeColumn('window', node.timeColumn, input);
    const only = node.keys.length === 1 ? node.keys[0]!.expr : undefined;
    this.intKeyColumn = only && only.kind === 'column' && only.type === 'INT' ? only.index : undefined;
    validateAggregates(node.aggregates, node.keys, ['window_start', 'window_end']);
    this.agg = new Aggregation(input, node.keys, node.aggregates, context);
    this.outputColumns = outputColumns(node);
    const lateness = node.allowedLatenessMs ?? 0;
    if (!(Number.isSafeInteger(lateness) && lateness >= 0)) throw new EddyError('ValidationException', `allowed lateness must be a whole number of milliseconds ≥ 0, got ${lateness}`);
    this.latenessMs = lateness;
    this.changelog = lateness > 0;
    this.inputColumns = input;
    this.schema = this.changelog ? changelogSchema(arrowSchema(this.outputColumns)) : arrowSchema(this.outputColumns);
  }

  /**
   * The first window still kept: windows before it closed for good (they fired, and the allowed
   * lateness after that has passed too), so a row that belongs to none after it is late.
   */
  private get keptFrom(): number {
    return Math.min(this.nextWindow, this.paneOf(this.watermark - this.latenessMs));
  }

  /** The pane a time falls in. */
  private paneOf(ms: number): number {
    return Math.floor((ms - this.offsetMs) / this.paneMs);
  }

  /** The first pane of the window that ends with pane q. */
  private firstPane(q: number): number {
    const k = this.panesPerWindow;
    return this.cumulative ? Math.floor(q / k) * k : q - k + 1;
  }

  /** The last window (by its last pane) that holds pane p. */
  private lastWindowOf(p: number): number {
    const k = this.panesPerWindow;
    return this.cumulative ? Math.floor(p / k) * k + k - 1 : p + k - 1;
  }

  generatedCode(): readonly GeneratedCode[] {
    const shape = this.agg.kernelShape;
    const direct = this.intKeyColumn !== undefined;
    const what = `aggregate loop, for a batch without NULLs${direct ? ', slots found by the INT key\'s values' : ''} (each column with NULLs in a batch adds its test)`;
    return this.agg.generatedCode(
      shape ? { what, params: WINDOW_KERNEL_PARAMS, body: windowKernelSource(shape, direct ? DIRECT_INT_KEY : 0, this.offsetMs) } : { what: 'aggregate loop: none; COUNT(DISTINCT), STDDEV and MIN or MAX of text or booleans update their state column by column', params: [], body: '' },
    );
  }

  /** Key ids currently assigned (for tests: it follows the keys of open windows). */
  get keyCount(): number {
    return this.agg.keys.size;
  }

  /** Panes currently holding rows (for tests and status). */
  get openPanes(): number {
    return this.panes.size;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    // Rows from the start of the first window not yet fired take the fast path; the rest (rows for
    // windows that fired, or for none still kept) are few, and go through processBehind.
    const openFrom = this.nextWindow * this.paneMs + this.offsetMs;
    const behind = this.agg.fusable ? this.processFused(batch, openFrom) : this.processRows(batch, openFrom);
    if (behind > 0) this.processBehind(batch, openFrom, ctx, out);
    this.checkState();
  }

  /** The general path: finds every row's pane and slot, then updates each aggregate column by column. */
  private processRows(batch: RecordBatch, openFrom: number): number {
    const n = batch.numRows;
    const agg = this.agg;
    const view = agg.view(batch);
    // Event times are read straight from the Int64 column's two 32-bit halves: no conversion pass.
    const timeData = batch.data.children[this.timeColumn]!;
    const pairs = int32View((timeData.values as BigInt64Array).subarray(timeData.offset, timeData.offset + n));
    const tv = timeData.nullCount > 0 ? view.column(this.timeColumn).valid : null;
    const keyIds = agg.keyIds(view);
    const keyCount = agg.keys.size;
    const slots = new Int32Array(n);
    const state = agg.state;
    const paneMs = this.paneMs;
    const offset = this.offsetMs;
    let behind = 0;
    let paneStart = NaN;
    let paneEnd = NaN;
    let slotOfKey: Int32Array = new Int32Array(0);
    let pane: Pane | undefined;
    for (let i = 0; i < n; i++) {
      if (tv !== null && tv[i] === 0) {
        slots[i] = -1;
        continue;
      }
      const ts = pairs[2 * i + 1]! * 4294967296 + (pairs[2 * i]! >>> 0);
      if (ts < openFrom) {
        slots[i] = -1;
        behind++;
        continue;
      }
      // Consecutive rows mostly fall in the same pane: a range check spares the division.
      if (!(ts >= paneStart && ts < paneEnd)) {
        const p = Math.floor((ts - offset) / paneMs);
        pane = this.pane(p, keyCount);
        slotOfKey = pane.slotOfKey;
        paneStart = p * paneMs + offset;
        paneEnd = paneStart + paneMs;
      }
      const k = keyIds[i]!;
      let s = slotOfKey[k]!;
      if (s < 0) {
        s = state.alloc();
        slotOfKey[k] = s;
        pane!.keyIds.push(k);
      }
      slots[i] = s;
    }
    agg.accumulate(view, slots);
    return behind;
  }

  /** Open (pane, key) pairs and distinct values held; panes of a hopping window each count. */
  private checkState(): void {
    const state = this.agg.state;
    this.limit.check(state.liveSlots + state.distinctValues, state.distinctValues);
  }

  /** The whole per-row path (time check, pane, slot, every update) in one generated loop. */
  private processFused(batch: RecordBatch, openFrom: number): number {
    const n = batch.numRows;
    const agg = this.agg;
    const view: BatchView = agg.view(batch);
    const timeData = batch.data.children[this.timeColumn]!;
    const pairs = int32View((timeData.values as BigInt64Array).subarray(timeData.offset, timeData.offset + n));
    const tv = timeData.nullCount > 0 ? view.column(this.timeColumn).valid : null;
    let mask = agg.evaluateArgs(view) | (tv !== null ? TIME_NULLS : 0);
    let keyIds: Int32Array;
    const intKey = this.intKeyColumn === undefined ? undefined : view.column(this.intKeyColumn);
    if (intKey !== undefined && intKey.valid === null) {
      keyIds = int32Values(intKey);
      mask |= DIRECT_INT_KEY;
    } else keyIds = agg.keyIds(view);
    this.knownKeys = agg.keys.size;
    let kernel = this.kernels.get(mask);
    if (!kernel) this.kernels.set(mask, (kernel = windowKernel(agg.kernelShape!, mask, this.offsetMs)));
    // At most n new slots: reserving them now means the arrays handed to the loop cannot move.
    agg.state.reserve(n);
    return kernel(pairs, tv, keyIds, n, openFrom, this.paneMs, this, agg.fusedArrays(), agg.values, agg.valid);
  }

  /**
   * The rows of a batch before `openFrom`, the start of the first window not fired yet. A row that
   * belongs to some window still kept updates its pane (counting in the windows not fired yet) and
   * revises each fired window it belongs to; a row that belongs to none is late.
   */
  private processBehind(batch: RecordBatch, openFrom: number, ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    const timeData = batch.data.children[this.timeColumn]!;
    const pairs = int32View((timeData.values as BigInt64Array).subarray(timeData.offset, timeData.offset + n));
    const bitmap = timeData.nullCount > 0 ? timeData.nullBitmap : null;
    const keptFrom = this.keptFrom;
    const kept: number[] = [];
    const late: number[] = [];
    const lateEnds: number[] = [];
    for (let i = 0; i < n; i++) {
      const j = i + timeData.offset;
      if (bitmap !== null && ((bitmap[j >> 3]! >> (j & 7)) & 1) === 0) continue;
      const ts = pairs[2 * i + 1]! * 4294967296 + (pairs[2 * i]! >>> 0);
      if (ts >= openFrom) continue;
      const lastWindow = this.lastWindowOf(this.paneOf(ts));
      if (lastWindow >= keptFrom) kept.push(i);
      else {
        late.push(i);
        lateEnds.push((lastWindow + 1) * this.paneMs + this.offsetMs);
      }
    }
    if (late.length > 0) {
      ctx.metrics.lateRows += late.length;
      ctx.late?.({
        batch: takeBatch(batch, Int32Array.from(late), late.length),
        columns: this.inputColumns,
        timeColumn: this.timeColumn,
        windowEnds: Float64Array.from(lateEnds),
        watermarkMs: this.watermark,
        allowedLatenessMs: this.latenessMs,
      });
    }
    if (kept.length > 0) this.revise(takeBatch(batch, Int32Array.from(kept), kept.length), out);
  }

  /**
   * Adds rows whose panes belong to some window still kept, and emits a -U/+U pair (or +I, for a key the
   * window did not have) for each fired window and key they change.
   */
  private revise(rows: RecordBatch, out: Collector): void {
    const n = rows.numRows;
    const agg = this.agg;
    const view = agg.view(rows);
    const keyIds = Int32Array.from(agg.keyIds(view).subarray(0, n));
    const time = view.column(this.timeColumn).values as Float64Array;
    const keptFrom = this.keptFrom;
    // The fired windows (by last pane) and keys the rows change, each once.
    const windows: number[] = [];
    const keys: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const p = this.paneOf(time[i]!);
      const last = this.lastWindowOf(p);
      for (let q = Math.max(p, keptFrom); q < this.nextWindow && q <= last; q++) {
        const id = `${q}:${keyIds[i]}`;
        if (seen.has(id)) continue;
        seen.add(id);
        windows.push(q);
        keys.push(keyIds[i]!);
      }
    }
    const before = this.windowRows(windows, keys);
    const slots = new Int32Array(n);
    const state = agg.state;
    for (let i = 0; i < n; i++) {
      const pane = this.pane(this.paneOf(time[i]!), agg.keys.size);
      const key = keyIds[i]!;
      let s = pane.slotOfKey[key]!;
      if (s < 0) {
        s = state.alloc();
        pane.slotOfKey[key] = s;
        pane.keyIds.push(key);
      }
      slots[i] = s;
    }
    agg.accumulate(view, slots);
    if (windows.length === 0) return;
    const after = this.windowRows(windows, keys);
    const changes = updatePairs(this.schema, before.columns, before.had, after.columns, windows.length);
    if (changes) out.emit(changes);
  }

  /**
   * The rows of the given (window, key) pairs as they stand: window bounds, key and aggregate columns,
   * and whether each pair has any rows (`had`; the aggregate values of one without are left empty).
   */
  private windowRows(windows: readonly number[], keys: readonly number[]): { columns: Column[]; had: Uint8Array } {
    const count = windows.length;
    const state = this.agg.state;
    const had = new Uint8Array(count);
    const slots = new Int32Array(count);
    for (let w = 0; w < count; w++) {
      const m = state.alloc();
      slots[w] = m;
      for (let p = this.firstPane(windows[w]!); p <= windows[w]!; p++) {
        const s = this.panes.get(p)?.slotOfKey[keys[w]!];
        if (s === undefined || s < 0) continue;
        state.merge(m, s);
        had[w] = 1;
      }
    }
    const start = Float64Array.from(windows, (q) => this.firstPane(q) * this.paneMs + this.offsetMs);
    const end = Float64Array.from(windows, (q) => (q + 1) * this.paneMs + this.offsetMs);
    const columns: Column[] = [
      { type: 'TIMESTAMP', length: count, values: start, valid: null },
      { type: 'TIMESTAMP', length: count, values: end, valid: null },
      ...this.agg.keys.columns([...keys], count),
      ...this.agg.finalize(slots, count),
    ];
    for (const m of slots) state.release(m);
    return { columns, had };
  }

  /** Called by the fused loop when a row falls in another pane, for a single INT key. */
  paneByValue(index: number): Int32Array {
    this.paneSlots(index);
    return this.currentByValue();
  }

  /** The current pane's slots by INT key value. */
  currentByValue(): Int32Array {
    const pane = this.current!;
    return (pane.byValue ??= new Int32Array(1024).fill(-1));
  }

  /** Called by the fused loop for an INT key value with no slot at hand: finds or makes it. */
  slotOfValue(value: number): number {
    const keys = this.agg.keys;
    const key = keys.intId(value);
    this.knownKeys = keys.size;
    let pane = this.current!;
    if (key >= pane.slotOfKey.length) pane = this.current = this.pane(pane.index, this.knownKeys);
    let s = pane.slotOfKey[key]!;
    if (s < 0) s = this.newSlot(key);
    if (value >= 0 && value < BY_VALUE_LIMIT) {
      let byValue = this.currentByValue();
      if (value >= byValue.length) {
        let size = byValue.length * 2;
        while (size <= value) size *= 2;
        const grown = new Int32Array(size).fill(-1);
        grown.set(byValue);
        pane.byValue = byValue = grown;
      }
      byValue[value] = s;
    }
    return s;
  }

  private current: Pane | undefined;
  /** Before the first pane, so the loop's slot array always holds an Int32Array. */
  readonly noSlots = new Int32Array(0);
  private knownKeys = 0;

  /** Called by the fused loop when a row falls in another pane. */
  paneSlots(index: number): Int32Array {
    this.current = this.pane(index, this.knownKeys);
    return this.current.slotOfKey;
  }

  /** Called by the fused loop for a key's first row in the current pane. */
  newSlot(key: number): number {
    const s = this.agg.state.alloc();
    this.current!.slotOfKey[key] = s;
    this.current!.keyIds.push(key);
    return s;
  }

  private pane(index: number, keyCount: number): Pane {
    let pane = this.panes.get(index);
    if (pane === undefined) {
      pane = { index, slotOfKey: new Int32Array(Math.max(16, keyCount)).fill(-1), keyIds: [] };
      this.panes.set(index, pane);
    } else if (pane.slotOfKey.length < keyCount) {
      const grown = new Int32Array(Math.max(keyCount, pane.slotOfKey.length * 2)).fill(-1);
      grown.set(pane.slotOfKey);
      pane.slotOfKey = grown;
    }
    return pane;
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    if (!(watermarkMs > this.watermark)) return;
    this.watermark = watermarkMs;
    const lastClosed = this.paneOf(watermarkMs) - 1;
    if (lastClosed >= this.nextWindow && this.panes.size > 0) this.fire(lastClosed, out);
    if (lastClosed + 1 > this.nextWindow) this.nextWindow = lastClosed + 1;
    this.purge();
  }

  /** Emits every window from nextWindow to `lastClosed` (by last pane) that has rows. */
  private fire(lastClosed: number, out: Collector): void {
    const k = this.panesPerWindow;
    const state = this.agg.state;
    const sorted = [...this.panes.keys()].sort((a, b) => a - b);
    const starts: number[] = [];
    const ends: number[] = [];
    const keyIds: number[] = [];
    const slots: number[] = [];
    const release: number[] = [];
    let q = Math.max(this.nextWindow, sorted[0]!);
    let ptr = 0;
    while (q <= lastClosed) {
      const first = this.firstPane(q);
      let any = false;
      for (let p = first; p <= q; p++) {
        if (this.panes.has(p)) {
          any = true;
          break;
        }
      }
      if (!any) {
        while (ptr < sorted.length && sorted[ptr]! <= q) ptr++;
        if (ptr === sorted.length) break;
        q = sorted[ptr]!;
        continue;
      }
      const start = first * this.paneMs + this.offsetMs;
      const end = (q + 1) * this.paneMs + this.offsetMs;
      if (k === 1) {
        // The pane is the window: its slots are read as they are (purge lets them go).
        const pane = this.panes.get(q)!;
        for (const key of pane.keyIds) {
          starts.push(start);
          ends.push(end);
          keyIds.push(key);
          slots.push(pane.slotOfKey[key]!);
        }
      } else {
        if (this.mergeScratch.length < this.agg.keys.size) this.mergeScratch = new Int32Array(this.agg.keys.size * 2).fill(-1);
        const merged = this.mergeScratch;
        const windowKeys: number[] = [];
        for (let p = first; p <= q; p++) {
          const pane = this.panes.get(p);
          if (!pane) continue;
          for (const key of pane.keyIds) {
            let m = merged[key]!;
            if (m < 0) {
              m = state.alloc();
              merged[key] = m;
              windowKeys.push(key);
            }
            state.merge(m, pane.slotOfKey[key]!);
          }
        }
        for (const key of windowKeys) {
          const m = merged[key]!;
          starts.push(start);
          ends.push(end);
          keyIds.push(key);
          slots.push(m);
          release.push(m);
          merged[key] = -1;
        }
      }
      q++;
    }
    const count = starts.length;
    if (count > 0) {
      const startCol = Float64Array.from(starts);
      const endCol = Float64Array.from(ends);
      const columns: Column[] = [
        { type: 'TIMESTAMP', length: count, values: startCol, valid: null },
        { type: 'TIMESTAMP', length: count, values: endCol, valid: null },
        ...this.agg.keys.columns(keyIds, count),
        ...this.agg.finalize(slots, count),
      ];
      // With allowed lateness the window may be revised later: its first rows are +I of a changelog.
      out.emit(this.changelog ? changelogBatch(this.schema, columns.map(columnToArrow), new Int8Array(count)) : outputBatch(this.schema, columns, count));
    }
    for (const s of release) state.release(s);
  }

  /**
   * Lets go of the panes that no kept window holds any more (with no allowed lateness, those of the
   * windows that just fired). Key ids are only meaningful while some pane refers to them: they start
   * afresh when none does, and the live ones are renumbered when keys that left every pane dominate, so
   * memory follows the keys of open windows rather than every key ever seen.
   */
  private purge(): void {
    const keptFrom = this.keptFrom;
    if (!Number.isFinite(keptFrom)) return;
    const state = this.agg.state;
    let purged = false;
    for (const [index, pane] of this.panes) {
      if (this.lastWindowOf(index) >= keptFrom) continue;
      for (const key of pane.keyIds) state.release(pane.slotOfKey[key]!);
      this.panes.delete(index);
      purged = true;
    }
    if (!purged) return;
    if (this.current !== undefined && !this.panes.has(this.current.index)) this.current = undefined;
    if (this.panes.size === 0) this.agg.keys.clear();
    else if (this.agg.keys.size > COMPACT_MIN_KEYS) this.compactKeys();
  }
  onClose(): void {
    this.panes.clear();
    this.current = undefined;
    this.agg.release();
    this.mergeScratch = new Int32Array(0);
  }

  private compactKeys(): void {
    let live = 0;
    for (const pane of this.panes.values()) live += pane.keyIds.length;
    if (this.agg.keys.size <= 2 * live) return;
    const old = this.agg.keys;
    const fresh = old.emptyCopy();
    const remap = new Int32Array(old.size).fill(-1);
    const renumbered = new Map<Pane, number[]>();
    for (const pane of this.panes.values()) {
      renumbered.set(
        pane,
        pane.keyIds.map((key) => {
          let id = remap[key]!;
          if (id < 0) remap[key] = id = fresh.idOf(old.values(key));
          return id;
        }),
      );
    }
    for (const [pane, ids] of renumbered) {
      const slotOfKey = new Int32Array(Math.max(16, fresh.size)).fill(-1);
      pane.keyIds.forEach((key, j) => (slotOfKey[ids[j]!] = pane.slotOfKey[key]!));
      pane.slotOfKey = slotOfKey;
      pane.keyIds.splice(0, pane.keyIds.length, ...ids);
    }
    if (this.mergeScratch.length < fresh.size) this.mergeScratch = new Int32Array(fresh.size * 2).fill(-1);
    this.agg.replaceKeys(fresh);
  }

  /** 1: WindowSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): WindowSnapshot {
    const state = this.agg.state;
    return {
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      nextWindow: Number.isFinite(this.nextWindow) ? this.nextWindow : null,
      panes: [...this.panes.values()].map((p) => ({
        index: p.index,
        groups: p.keyIds.map((key) => ({ key: this.agg.keys.values(key), acc: state.save(p.slotOfKey[key]!) })),
      })),
    };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as WindowSnapshot;
    this.watermark = snap.watermark ?? -Infinity;
    this.nextWindow = snap.nextWindow ?? -Infinity;
    const state = this.agg.state;
    for (const p of snap.panes) {
      for (const g of p.groups) {
        const key = this.agg.keys.idOf(g.key);
        const pane = this.pane(p.index, this.agg.keys.size);
        const s = state.alloc();
        state.load(s, g.acc);
        pane.slotOfKey[key] = s;
        pane.keyIds.push(key);
      }
    }
  }
}
