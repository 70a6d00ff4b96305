// Session windows keyed by group (Flink's SESSION). Per key, each row stands for the interval
// [t, t + gap); rows whose intervals overlap belong to one session, so a session is
// [first row's time, last row's time + gap), and a row that overlaps two sessions merges them. A session
// is emitted once, when the watermark reaches its end; rows behind the watermark on arrival are dropped
// as late. A row at or after the watermark can never touch an emitted session (whose end is at most the
// watermark), so emitted sessions are final.
//
// Each open session is one aggregate slot, and the slot number names the session: its bounds, key and
// the next session of the same key live in typed arrays indexed by slot. A key's sessions form a short
// linked list (one session per key while rows arrive in order). Sessions due to close are found through
// a min-heap of (end, slot) entries that may lag behind the session's end as rows extend it: an entry
// that comes due early is pushed again with the session's current end, so a row that extends a session
// costs no heap work.
import type { RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { SessionWindowAggregateNode } from '../plan/plan.js';
import { numericValues } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { ExprContext } from '../expr/compile-expr.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { GROUP_KERNEL_PARAMS, groupKernelSource } from './aggregate-kernels.js';
import { grownFloat64, grownInt32, KeyedWindows, type SavedWindow } from './keyed-windows.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit, groupByText } from './state-key-limit.js';

interface SessionSnapshot {
  readonly watermark: number | null;
  /** Every open session: its key, bounds and accumulators' state. */
  readonly sessions: SavedWindow[];
}

export class SessionWindowAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly gapMs: number;
  /** The open sessions: bounds, key and the key's other sessions by slot. */
  private readonly windows: KeyedWindows;

  // Per slot: a generation that tells heap entries of a reused slot apart, and, within a batch, the
  // session a merged-away session's rows now go to (-1: none).
  private generation: Int32Array = new Int32Array(0);
  private forward: Int32Array = new Int32Array(0);
  private readonly heap = new DueHeap();
  private slotScratch = new Int32Array(0);

  constructor(node: SessionWindowAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    if (!Number.isSafeInteger(node.gapMs) || node.gapMs <= 0) throw new EddyError('ValidationException', `session gap must be a whole number of milliseconds > 0, got ${node.gapMs}`);
    this.gapMs = node.gapMs;
    const limit = new StateKeyLimit(maxStateKeys, groupByText(node.keys, true).replace(/^window/, 'session'));
    this.windows = new KeyedWindows('session', node, input, context, limit);
    this.outputColumns = this.windows.outputColumns;
  }

  generatedCode(): readonly GeneratedCode[] {
    const agg = this.windows.agg;
    const shape = agg.kernelShape;
    return agg.generatedCode(
      shape
        ? { what: 'aggregate loop, for a batch without NULLs, over the slot of each row\'s session (each argument with NULLs in a batch adds its test)', params: GROUP_KERNEL_PARAMS, body: groupKernelSource(shape, 0) }
        : { what: 'aggregate loop: none; COUNT(DISTINCT), STDDEV and MIN or MAX of text or booleans update their state column by column', params: [], body: '' },
    );
  }

  /** Sessions open now (for tests and status). */
  get openSessions(): number {
    return this.windows.agg.state.liveSlots;
  }

  /** Key ids currently assigned (for tests: it follows the keys of open sessions). */
  get keyCount(): number {
    return this.windows.agg.keys.size;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, _out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const w = this.windows;
    const agg = w.agg;
    const view = agg.view(batch);
    const time = view.column(w.timeColumn);
    const times = numericValues(time);
    const tv = time.valid;
    const keyIds = w.keyIds(view);
    if (this.slotScratch.length < n) this.slotScratch = new Int32Array(Math.max(n, 2 * this.slotScratch.length));
    const slots = this.slotScratch;
    const wm = w.watermark;
    const gap = this.gapMs;
    const mergedAway: number[] = [];
    let late = 0;
    for (let i = 0; i < n; i++) {
      if (tv !== null && tv[i] === 0) {
        slots[i] = -1;
        continue;
      }
      const t = times[i]!;
      if (t < wm) {
        slots[i] = -1;
        late++;
        continue;
      }
      const k = keyIds[i]!;
      const h = w.head[k]!;
      // The usual case: the key's only session, and the row falls within its reach.
      if (h >= 0 && w.next[h]! < 0 && t < w.end[h]! && t + gap > w.start[h]!) {
        if (t < w.start[h]!) w.start[h] = t;
        if (t + gap > w.end[h]!) w.end[h] = t + gap;
        slots[i] = h;
        continue;
      }
      slots[i] = this.place(k, t, mergedAway);
    }
    if (mergedAway.length > 0) {
      // Rows already given a session that was merged away go to the session that took it in.
      const forward = this.forward;
      for (let i = 0; i < n; i++) {
        let s = slots[i]!;
        if (s < 0 || forward[s]! < 0) continue;
        while (forward[s]! >= 0) s = forward[s]!;
        slots[i] = s;
      }
    }
    agg.accumulate(view, n === slots.length ? slots : slots.subarray(0, n));
    // Merged-away sessions' earlier rows join the session that took them in, in the order of merging,
    // so a session merged into one that was itself merged later reaches the last one.
    for (const s of mergedAway) {
      agg.state.merge(this.forward[s]!, s);
      this.forward[s] = -1;
    }
    for (const s of mergedAway) agg.state.release(s);
    if (late > 0) ctx.metrics.lateRows += late;
    w.checkState();
  }

  /**
   * The session of key k that takes a row at time t: every session of k within the row's reach
   * [t, t + gap) merges into the first of them, or a new session starts. The sessions a row reaches are
   * all merged, and its interval together with theirs is one interval, so the merged session cannot
   * reach any other session of the key.
   */
  private place(k: number, t: number, mergedAway: number[]): number {
    const w = this.windows;
    const gap = this.gapMs;
    let target = -1;
    let prev = -1;
    let s = w.head[k]!;
    while (s >= 0) {
      const after = w.next[s]!;
      if (t < w.end[s]! && t + gap > w.start[s]!) {
        if (target < 0) {
          target = s;
          if (t < w.start[s]!) w.start[s] = t;
          if (t + gap > w.end[s]!) w.end[s] = t + gap;
          prev = s;
        } else {
          if (w.start[s]! < w.start[target]!) w.start[target] = w.start[s]!;
          if (w.end[s]! > w.end[target]!) w.end[target] = w.end[s]!;
          // Its heap entry goes stale with its generation.
          w.unlink(s, prev);
          this.generation[s]!++;
          this.forward[s] = target;
          mergedAway.push(s);
        }
      } else prev = s;
      s = after;
    }
    if (target >= 0) return target;
    return this.opened(w.open(k, t, t + gap));
  }

  /** A session just opened in `slot`: it is due at its end, unless rows extend it meanwhile. */
  private opened(slot: number): number {
    if (this.generation.length <= slot) {
      const capacity = Math.max(slot + 1, this.generation.length * 2, 1024);
      this.generation = grownInt32(this.generation, capacity, 0);
      this.forward = grownInt32(this.forward, capacity, -1);
    }
    this.forward[slot] = -1;
    this.heap.push(this.windows.end[slot]!, slot, this.generation[slot]!);
    return slot;
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    const w = this.windows;
    if (!w.advance(watermarkMs)) return;
    const heap = this.heap;
    const due: number[] = [];
    while (heap.size > 0 && heap.topDue() <= watermarkMs) {
      const { slot, generation } = heap.pop();
      if (generation !== this.generation[slot] || w.keyOf[slot]! < 0) continue;
      const end = w.end[slot]!;
      if (end > watermarkMs) heap.push(end, slot, generation);
      else due.push(slot);
    }
    w.emit(due, out);
    for (const s of due) this.generation[s]!++;
  }

  onClose(): void {
    this.windows.release();
    this.heap.clear();
  }

  /** 1: SessionSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): SessionSnapshot {
    const w = this.windows;
    const sessions: SavedWindow[] = [];
    for (let k = 0; k < w.agg.keys.size; k++) {
      for (let s = w.head[k] ?? -1; s >= 0; s = w.next[s]!) sessions.push(w.save(s));
    }
    return { watermark: w.savedWatermark, sessions };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as SessionSnapshot;
    this.windows.watermark = snap.watermark ?? -Infinity;
    for (const session of snap.sessions) this.opened(this.windows.restore(session));
  }
}

/** A binary min-heap of (due time, slot, generation) entries in typed arrays. */
class DueHeap {
  private due = new Float64Array(1024);
  private slots = new Int32Array(1024);
  private generations = new Int32Array(1024);
  size = 0;

  topDue(): number {
    return this.due[0]!;
  }

  clear(): void {
    this.size = 0;
  }

  push(due: number, slot: number, generation: number): void {
    if (this.size === this.due.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.due[parent]! <= due) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, due, slot, generation);
  }

  pop(): { slot: number; generation: number } {
    const top = { slot: this.slots[0]!, generation: this.generations[0]! };
    const last = --this.size;
    if (last > 0) {
      const due = this.due[last]!;
      const slot = this.slots[last]!;
      const generation = this.generations[last]!;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= last) break;
        if (child + 1 < last && this.due[child + 1]! < this.due[child]!) child++;
        if (this.due[child]! >= due) break;
        this.move(child, i);
        i = child;
      }
      this.set(i, due, slot, generation);
    }
    return top;
  }

  private move(from: number, to: number): void {
    this.set(to, this.due[from]!, this.slots[from]!, this.generations[from]!);
  }

  private set(i: number, due: number, slot: number, generation: number): void {
    this.due[i] = due;
    this.slots[i] = slot;
    this.generations[i] = generation;
  }

  private grow(): void {
    const capacity = this.due.length * 2;
    this.due = grownFloat64(this.due, capacity);
    this.slots = grownInt32(this.slots, capacity, 0);
    this.generations = grownInt32(this.generations, capacity, 0);
  }
}
