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
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { SessionWindowAggregateNode } from '../plan/plan.js';
import { numericValues, type Column } from '../batch/column.js';
import { EddyError } from '../errors.js';
import type { ExprContext } from '../expr/compile-expr.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { Aggregation, arrowSchema, outputBatch, validateAggregates } from './aggregation.js';
import { GROUP_KERNEL_PARAMS, groupKernelSource } from './aggregate-kernels.js';
import type { KeyMapper, KeyValue } from './key-mapper.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit, groupByText } from './state-key-limit.js';

/** Below this many key ids, renumbering is not worth its cost. */
const COMPACT_MIN_KEYS = 4096;

interface SessionSnapshot {
  readonly watermark: number | null;
  /** Every open session: its key, bounds and accumulators' state. */
  readonly sessions: { readonly key: KeyValue[]; readonly start: number; readonly end: number; readonly acc: unknown[] }[];
}

export class SessionWindowAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  private readonly agg: Aggregation;
  private readonly gapMs: number;
  private readonly timeColumn: number;
  private readonly limit: StateKeyLimit;
  private watermark = -Infinity;

  // Per slot (session): bounds, key id (-1 when the slot holds no session), next session of the key,
  // and a generation that tells heap entries of a reused slot apart.
  private start: Float64Array = new Float64Array(0);
  private end: Float64Array = new Float64Array(0);
  private keyOf: Int32Array = new Int32Array(0);
  private next: Int32Array = new Int32Array(0);
  private generation: Int32Array = new Int32Array(0);
  /** Within a batch: the session a merged-away session's rows now go to (-1: none). */
  private forward: Int32Array = new Int32Array(0);
  /** Per key id: its first session, -1 when it has none. */
  private head: Int32Array = new Int32Array(0);
  /** Keys with at least one open session. */
  private liveKeys = 0;
  private readonly heap = new DueHeap();
  private slotScratch = new Int32Array(0);

  constructor(node: SessionWindowAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    if (!Number.isSafeInteger(node.gapMs) || node.gapMs <= 0) throw new EddyError('ValidationException', `session gap must be a whole number of milliseconds > 0, got ${node.gapMs}`);
    this.gapMs = node.gapMs;
    const tc = input[node.timeColumn];
    if (!tc) throw new EddyError('ValidationException', `session time column ${node.timeColumn} is out of range (input has ${input.length} columns)`);
    if (tc.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `session time column '${tc.name}' must be TIMESTAMP, got ${tc.type}`);
    this.timeColumn = node.timeColumn;
    this.limit = new StateKeyLimit(maxStateKeys, groupByText(node.keys, true).replace(/^window/, 'session'));
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
    return this.agg.generatedCode(
      shape
        ? { what: 'aggregate loop, for a batch without NULLs, over the slot of each row\'s session (each argument with NULLs in a batch adds its test)', params: GROUP_KERNEL_PARAMS, body: groupKernelSource(shape, 0) }
        : { what: 'aggregate loop: none; COUNT(DISTINCT), STDDEV and MIN or MAX of text or booleans update their state column by column', params: [], body: '' },
    );
  }

  /** Sessions open now (for tests and status). */
  get openSessions(): number {
    return this.agg.state.liveSlots;
  }

  /** Key ids currently assigned (for tests: it follows the keys of open sessions). */
  get keyCount(): number {
    return this.agg.keys.size;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, _out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const agg = this.agg;
    const view = agg.view(batch);
    const time = view.column(this.timeColumn);
    const times = numericValues(time);
    const tv = time.valid;
    const keyIds = agg.keyIds(view);
    this.ensureKeys(agg.keys.size);
    if (this.slotScratch.length < n) this.slotScratch = new Int32Array(Math.max(n, 2 * this.slotScratch.length));
    const slots = this.slotScratch;
    const wm = this.watermark;
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
      const h = this.head[k]!;
      // The usual case: the key's only session, and the row falls within its reach.
      if (h >= 0 && this.next[h]! < 0 && t < this.end[h]! && t + gap > this.start[h]!) {
        if (t < this.start[h]!) this.start[h] = t;
        if (t + gap > this.end[h]!) this.end[h] = t + gap;
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
    const state = agg.state;
    this.limit.check(state.liveSlots + state.distinctValues, state.distinctValues);
  }

  /**
   * The session of key k that takes a row at time t: every session of k within the row's reach
   * [t, t + gap) merges into the first of them, or a new session starts. The sessions a row reaches are
   * all merged, and its interval together with theirs is one interval, so the merged session cannot
   * reach any other session of the key.
   */
  private place(k: number, t: number, mergedAway: number[]): number {
    const gap = this.gapMs;
    let target = -1;
    let prev = -1;
    let s = this.head[k]!;
    while (s >= 0) {
      const after = this.next[s]!;
      if (t < this.end[s]! && t + gap > this.start[s]!) {
        if (target < 0) {
          target = s;
          if (t < this.start[s]!) this.start[s] = t;
          if (t + gap > this.end[s]!) this.end[s] = t + gap;
          prev = s;
        } else {
          if (this.start[s]! < this.start[target]!) this.start[target] = this.start[s]!;
          if (this.end[s]! > this.end[target]!) this.end[target] = this.end[s]!;
          // Unlink s; its heap entry goes stale with its generation.
          if (prev < 0) this.head[k] = after;
          else this.next[prev] = after;
          this.keyOf[s] = -1;
          this.generation[s]!++;
          this.forward[s] = target;
          mergedAway.push(s);
        }
      } else prev = s;
      s = after;
    }
    if (target >= 0) return target;
    const slot = this.agg.state.alloc();
    this.ensureSlots(slot + 1);
    this.start[slot] = t;
    this.end[slot] = t + gap;
    this.keyOf[slot] = k;
    if (this.head[k]! < 0) this.liveKeys++;
    this.next[slot] = this.head[k]!;
    this.head[k] = slot;
    this.forward[slot] = -1;
    this.heap.push(t + gap, slot, this.generation[slot]!);
    return slot;
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    if (!(watermarkMs > this.watermark)) return;
    this.watermark = watermarkMs;
    const heap = this.heap;
    const due: number[] = [];
    while (heap.size > 0 && heap.topDue() <= watermarkMs) {
      const { slot, generation } = heap.pop();
      if (generation !== this.generation[slot] || this.keyOf[slot]! < 0) continue;
      const end = this.end[slot]!;
      if (end > watermarkMs) heap.push(end, slot, generation);
      else due.push(slot);
    }
    if (due.length === 0) return;
    const count = due.length;
    const starts = new Float64Array(count);
    const ends = new Float64Array(count);
    const keyIds = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const s = due[i]!;
      starts[i] = this.start[s]!;
      ends[i] = this.end[s]!;
      keyIds[i] = this.keyOf[s]!;
    }
    const columns: Column[] = [
      { type: 'TIMESTAMP', length: count, values: starts, valid: null },
      { type: 'TIMESTAMP', length: count, values: ends, valid: null },
      ...this.agg.keys.columns(keyIds, count),
      ...this.agg.finalize(due, count),
    ];
    out.emit(outputBatch(this.schema, columns, count));
    for (const s of due) this.close(s);
    // Key ids mean something only while a session refers to them: start afresh when none does, and
    // renumber the live ones when keys without sessions dominate, so memory follows open sessions.
    if (this.liveKeys === 0) {
      this.agg.keys.clear();
      this.head.fill(-1);
    } else if (this.agg.keys.size > COMPACT_MIN_KEYS && this.agg.keys.size > 2 * this.liveKeys) this.compactKeys();
  }

  /** Unlinks an emitted session from its key and frees its slot. */
  private close(s: number): void {
    const k = this.keyOf[s]!;
    let prev = -1;
    let at = this.head[k]!;
    while (at !== s) {
      prev = at;
      at = this.next[at]!;
    }
    if (prev < 0) this.head[k] = this.next[s]!;
    else this.next[prev] = this.next[s]!;
    if (this.head[k]! < 0) this.liveKeys--;
    this.keyOf[s] = -1;
    this.generation[s]!++;
    this.agg.state.release(s);
  }

  private compactKeys(): void {
    const old = this.agg.keys;
    const fresh: KeyMapper = old.emptyCopy();
    const remap = new Int32Array(old.size).fill(-1);
    const head = new Int32Array(Math.max(64, this.liveKeys * 2)).fill(-1);
    for (let k = 0; k < old.size; k++) {
      const first = this.head[k]!;
      if (first < 0) continue;
      const id = fresh.idOf(old.values(k));
      remap[k] = id;
      if (id >= head.length) throw new EddyError('InternalFailure', 'session key renumbering ran past its table');
      head[id] = first;
      for (let s = first; s >= 0; s = this.next[s]!) this.keyOf[s] = id;
    }
    this.head = head;
    this.agg.replaceKeys(fresh);
  }

  private ensureKeys(keys: number): void {
    if (this.head.length >= keys) return;
    const grown = new Int32Array(Math.max(keys, this.head.length * 2, 64)).fill(-1);
    grown.set(this.head);
    this.head = grown;
  }

  private ensureSlots(slots: number): void {
    if (this.keyOf.length >= slots) return;
    const capacity = Math.max(slots, this.keyOf.length * 2, 1024);
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, fill: number): Int32Array => {
      const b = new Int32Array(capacity).fill(fill);
      b.set(a);
      return b;
    };
    this.start = f64(this.start);
    this.end = f64(this.end);
    this.keyOf = i32(this.keyOf, -1);
    this.next = i32(this.next, -1);
    this.generation = i32(this.generation, 0);
    this.forward = i32(this.forward, -1);
  }

  onClose(): void {
    this.agg.release();
    this.head = new Int32Array(0);
    this.keyOf = new Int32Array(0);
    this.next = new Int32Array(0);
    this.liveKeys = 0;
    this.heap.clear();
  }

  /** 1: SessionSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): SessionSnapshot {
    const sessions: SessionSnapshot['sessions'][number][] = [];
    for (let k = 0; k < this.agg.keys.size; k++) {
      for (let s = this.head[k] ?? -1; s >= 0; s = this.next[s]!) {
        sessions.push({ key: this.agg.keys.values(k), start: this.start[s]!, end: this.end[s]!, acc: this.agg.state.save(s) });
      }
    }
    return { watermark: Number.isFinite(this.watermark) ? this.watermark : null, sessions };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as SessionSnapshot;
    this.watermark = snap.watermark ?? -Infinity;
    for (const session of snap.sessions) {
      const k = this.agg.keys.idOf(session.key);
      this.ensureKeys(this.agg.keys.size);
      const slot = this.agg.state.alloc();
      this.agg.state.load(slot, session.acc);
      this.ensureSlots(slot + 1);
      this.start[slot] = session.start;
      this.end[slot] = session.end;
      this.keyOf[slot] = k;
      if (this.head[k]! < 0) this.liveKeys++;
      this.next[slot] = this.head[k]!;
      this.head[k] = slot;
      this.heap.push(session.end, slot, this.generation[slot]!);
    }
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
    const due = new Float64Array(capacity);
    due.set(this.due);
    this.due = due;
    const slots = new Int32Array(capacity);
    slots.set(this.slots);
    this.slots = slots;
    const generations = new Int32Array(capacity);
    generations.set(this.generations);
    this.generations = generations;
  }
}
