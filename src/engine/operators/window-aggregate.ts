// Tumbling and hopping event-time windows keyed by group. Windows are half-open [start, end) and aligned
// to the epoch. Each row updates exactly one slide-sized pane (the whole window for tumbling), so the
// per-row cost does not depend on size/slide; a hopping window is the merge of its panes, made once,
// when the watermark passes its end. Rows older than the watermark on arrival are dropped as late.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { WindowAggregateNode } from '../plan/plan.js';
import type { Column } from '../batch/column.js';
import { int32Values } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { ExprContext } from '../expr/compile-expr.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { Aggregation, arrowSchema, outputBatch, validateAggregates } from './aggregation.js';
import { DIRECT_INT_KEY, TIME_NULLS, WINDOW_KERNEL_PARAMS, windowKernel, windowKernelSource, type WindowKernel, type WindowKernelHost } from './aggregate-kernels.js';
import type { BatchView } from '../batch/batch-view.js';
import type { KeyValue } from './key-mapper.js';
import { int32View } from '../batch/int64.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit, groupByText } from './state-key-limit.js';

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
  private readonly schema: Schema;
  private readonly agg: Aggregation;
  private readonly paneMs: number;
  private readonly panesPerWindow: number;
  private readonly timeColumn: number;
  /** A single key that is a bare INT column: the fused loop finds slots by its values. */
  private readonly intKeyColumn: number | undefined;
  private readonly panes = new Map<number, Pane>();
  private watermark = -Infinity;
  /** Pane index of the end of the next window to emit (windows are named by their last pane). */
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
    this.paneMs = w.kind === 'hop' ? w.slideMs : w.sizeMs;
    this.panesPerWindow = w.sizeMs / this.paneMs;
    const tc = input[node.timeColumn];
    if (!tc) throw new EddyError('ValidationException', `window time column ${node.timeColumn} is out of range (input has ${input.length} columns)`);
    if (tc.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `window time column '${tc.name}' must be TIMESTAMP, got ${tc.type}`);
    this.timeColumn = node.timeColumn;
    const only = node.keys.length === 1 ? node.keys[0]!.expr : undefined;
    this.intKeyColumn = only && only.kind === 'column' && only.type === 'INT' ? only.index : undefined;
    validateAggregates(node.aggregates, node.keys, ['window_start', 'window_end']);
    this.agg = new Aggregation(input, node.keys, node.aggregates, context);
    this.outputColumns = [
      { name: 'window_start', type: 'TIMESTAMP' },
      { name: 'window_end', type: 'TIMESTAMP' },
      ...node.keys.map((k) => ({ name: k.name, type: k.expr.type })),
      ...node.aggregates.map((a) => ({ name: a.name, type: a.type })),
    ];
    this.schema = arrowSchema(this.outputColumns);
  }

  generatedCode(): readonly GeneratedCode[] {
    const shape = this.agg.kernelShape;
    const direct = this.intKeyColumn !== undefined;
    const what = `aggregate loop, for a batch without NULLs${direct ? ', slots found by the INT key\'s values' : ''} (each column with NULLs in a batch adds its test)`;
    return this.agg.generatedCode(
      shape ? { what, params: WINDOW_KERNEL_PARAMS, body: windowKernelSource(shape, direct ? DIRECT_INT_KEY : 0) } : { what: 'aggregate loop: none; COUNT(DISTINCT), STDDEV and MIN or MAX of text or booleans update their state column by column', params: [], body: '' },
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

  processBatch(batch: RecordBatch, ctx: OperatorContext, _out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const agg = this.agg;
    const view = agg.view(batch);
    if (agg.fusable) {
      this.processFused(batch, view, ctx);
      this.checkState();
      return;
    }
    // Event times are read straight from the Int64 column's two 32-bit halves: no conversion pass.
    const timeData = batch.data.children[this.timeColumn]!;
    const pairs = int32View((timeData.values as BigInt64Array).subarray(timeData.offset, timeData.offset + n));
    const tv = timeData.nullCount > 0 ? view.column(this.timeColumn).valid : null;
    const keyIds = agg.keyIds(view);
    const keyCount = agg.keys.size;
    const slots = new Int32Array(n);
    const state = agg.state;
    const wm = this.watermark;
    const paneMs = this.paneMs;
    let late = 0;
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
      if (ts < wm) {
        slots[i] = -1;
        late++;
        continue;
      }
      // Consecutive rows mostly fall in the same pane: a range check spares the division.
      if (!(ts >= paneStart && ts < paneEnd)) {
        const p = Math.floor(ts / paneMs);
        pane = this.pane(p, keyCount);
        slotOfKey = pane.slotOfKey;
        paneStart = p * paneMs;
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
    if (late > 0) ctx.metrics.lateRows += late;
    this.checkState();
  }

  /** Open (pane, key) pairs and distinct values held; panes of a hopping window each count. */
  private checkState(): void {
    const state = this.agg.state;
    this.limit.check(state.liveSlots + state.distinctValues, state.distinctValues);
  }

  /** The whole per-row path (late check, pane, slot, every update) in one generated loop. */
  private processFused(batch: RecordBatch, view: BatchView, ctx: OperatorContext): void {
    const n = batch.numRows;
    const agg = this.agg;
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
    if (!kernel) this.kernels.set(mask, (kernel = windowKernel(agg.kernelShape!, mask)));
    // At most n new slots: reserving them now means the arrays handed to the loop cannot move.
    agg.state.reserve(n);
    const late = kernel(pairs, tv, keyIds, n, this.watermark, this.paneMs, this, agg.fusedArrays(), agg.values, agg.valid);
    if (late > 0) ctx.metrics.lateRows += late;
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
    const lastClosed = Math.floor(watermarkMs / this.paneMs) - 1;
    if (this.panes.size === 0) {
      if (lastClosed + 1 > this.nextWindow) this.nextWindow = lastClosed + 1;
      return;
    }
    // No window ends before the watermark that has not been emitted: nothing to do. (Key compaction
    // waits for the next emission too: only an emission can make keys leave every open pane.)
    if (lastClosed < this.nextWindow) return;
    const k = this.panesPerWindow;
    const state = this.agg.state;
    const sorted = [...this.panes.keys()].sort((a, b) => a - b);
    const starts: number[] = [];
    const keyIds: number[] = [];
    const slots: number[] = [];
    const release: number[] = [];
    let q = Math.max(this.nextWindow, sorted[0]!);
    let ptr = 0;
    while (q <= lastClosed) {
      let any = false;
      for (let p = q - k + 1; p <= q; p++) {
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
      const start = (q - k + 1) * this.paneMs;
      if (k === 1) {
        const pane = this.panes.get(q)!;
        for (const key of pane.keyIds) {
          const s = pane.slotOfKey[key]!;
          starts.push(start);
          keyIds.push(key);
          slots.push(s);
          release.push(s);
        }
      } else {
        if (this.mergeScratch.length < this.agg.keys.size) this.mergeScratch = new Int32Array(this.agg.keys.size * 2).fill(-1);
        const merged = this.mergeScratch;
        const windowKeys: number[] = [];
        for (let p = q - k + 1; p <= q; p++) {
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
          keyIds.push(key);
          slots.push(m);
          release.push(m);
          merged[key] = -1;
        }
      }
      // The oldest pane of this window belongs to no later window.
      const done = this.panes.get(q - k + 1);
      if (done) {
        if (k > 1) for (const key of done.keyIds) release.push(done.slotOfKey[key]!);
        this.panes.delete(q - k + 1);
      }
      q++;
    }
    this.nextWindow = Math.max(this.nextWindow, lastClosed + 1);
    const count = starts.length;
    if (count > 0) {
      const startCol = Float64Array.from(starts);
      const endCol = new Float64Array(count);
      const size = k * this.paneMs;
      for (let i = 0; i < count; i++) endCol[i] = startCol[i]! + size;
      const columns: Column[] = [
        { type: 'TIMESTAMP', length: count, values: startCol, valid: null },
        { type: 'TIMESTAMP', length: count, values: endCol, valid: null },
        ...this.agg.keys.columns(keyIds, count),
        ...this.agg.finalize(slots, count),
      ];
      out.emit(outputBatch(this.schema, columns, count));
    }
    for (const s of release) state.release(s);
    // Key ids are only meaningful while some pane refers to them: start afresh when none does, and
    // renumber the live ones when keys that left every open pane dominate, so memory follows the
    // keys of open windows rather than every key ever seen.
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
