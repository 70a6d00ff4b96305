// The state of a window aggregate whose windows open per key, at times the rows decide (session windows,
// session-window-aggregate.ts; stagger windows, stagger-window-aggregate.ts): each open window is one
// aggregate slot, and the slot number names the window, its bounds and key living in typed arrays indexed
// by slot. A key's open windows form a short linked list, newest first. The operator decides which window
// takes a row and when a window is due; this holds the windows, emits the due ones as
// (window_start, window_end, keys…, aggregates…) rows, lets go of key ids no window refers to, saves and
// restores a window for checkpoints, and counts the state against the query's limit.
import type { Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import { outputColumns, type SessionWindowAggregateNode, type StaggerWindowAggregateNode } from '../plan/plan.js';
import type { Column } from '../batch/column.js';
import type { BatchView } from '../batch/batch-view.js';
import type { ExprContext } from '../expr/compile-expr.js';
import type { Collector } from './operator.js';
import { Aggregation, arrowSchema, outputBatch, validateAggregates, windowTimeColumn } from './aggregation.js';
import type { KeyValue } from './key-mapper.js';
import type { StateKeyLimit } from './state-key-limit.js';

/** Below this many key ids, renumbering is not worth its cost. */
const COMPACT_MIN_KEYS = 4096;

/** A window as a checkpoint keeps it: its key, bounds and accumulators' state. */
export interface SavedWindow {
  readonly key: KeyValue[];
  readonly start: number;
  readonly end: number;
  readonly acc: unknown[];
}

/** Key ids the operator holds outside its windows (rows waiting for the watermark), which renumbering must follow. */
export interface OtherKeyUsers {
  /** How many references to key ids there are besides the open windows. */
  count(): number;
  /** Renumbers every such reference: `idOf` gives a key id's new id. */
  renumber(idOf: (keyId: number) => number): void;
}

export class KeyedWindows {
  readonly agg: Aggregation;
  /** window_start, window_end, the keys, then the aggregates. */
  readonly outputColumns: readonly ColumnSchema[];
  readonly timeColumn: number;
  private readonly schema: Schema;
  /** The latest watermark; windows that end at or before it have been emitted. */
  watermark = -Infinity;

  // Per slot (window): bounds, key id (-1 when the slot holds no window), and the window of the same key
  // opened before it (-1: none).
  start: Float64Array = new Float64Array(0);
  end: Float64Array = new Float64Array(0);
  keyOf: Int32Array = new Int32Array(0);
  next: Int32Array = new Int32Array(0);
  /** Per key id: its newest open window, -1 when it has none. */
  head: Int32Array = new Int32Array(0);
  /** Keys with at least one open window. */
  private liveKeys = 0;

  /** `what` names the windows in errors (`session`, `stagger window`). */
  constructor(
    what: string,
    node: SessionWindowAggregateNode | StaggerWindowAggregateNode,
    input: readonly ColumnSchema[],
    context: ExprContext,
    private readonly limit: StateKeyLimit,
    private readonly others?: OtherKeyUsers,
  ) {
    this.timeColumn = windowTimeColumn(what, node.timeColumn, input);
    validateAggregates(node.aggregates, node.keys, ['window_start', 'window_end']);
    this.agg = new Aggregation(input, node.keys, node.aggregates, context);
    this.outputColumns = outputColumns(node);
    this.schema = arrowSchema(this.outputColumns);
  }

  /** Moves the watermark to `watermarkMs`; false when it is not past the current one (nothing to do). */
  advance(watermarkMs: number): boolean {
    if (!(watermarkMs > this.watermark)) return false;
    this.watermark = watermarkMs;
    return true;
  }

  /** Every row's key id, as Aggregation.keyIds gives them (an array the next batch reuses). */
  keyIds(view: BatchView): Int32Array {
    const ids = this.agg.keyIds(view);
    this.ensureKeys(this.agg.keys.size);
    return ids;
  }

  /** Opens a window [start, end) of key k, its newest; returns its slot. */
  open(k: number, start: number, end: number): number {
    const slot = this.agg.state.alloc();
    this.ensureSlots(slot + 1);
    this.start[slot] = start;
    this.end[slot] = end;
    this.keyOf[slot] = k;
    if (this.head[k]! < 0) this.liveKeys++;
    this.next[slot] = this.head[k]!;
    this.head[k] = slot;
    return slot;
  }

  /**
   * Takes window s out of its key's list (its slot stays allocated: the caller releases it), given the
   * window before it in the list (-1: s is the key's newest).
   */
  unlink(s: number, prev: number): void {
    const k = this.keyOf[s]!;
    if (prev < 0) this.head[k] = this.next[s]!;
    else this.next[prev] = this.next[s]!;
    if (this.head[k]! < 0) this.liveKeys--;
    this.keyOf[s] = -1;
  }

  /** Emits the windows `due` as one batch, then closes them and lets go of key ids nothing refers to. */
  emit(due: readonly number[], out: Collector): void {
    const count = due.length;
    if (count === 0) return;
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
    // Key ids mean something only while a window (or another holder) refers to them: start afresh when
    // none does, and renumber the live ones when the others dominate, so memory follows open windows.
    const live = this.liveKeys + (this.others?.count() ?? 0);
    if (live === 0) {
      this.agg.keys.clear();
      this.head.fill(-1);
    } else if (this.agg.keys.size > COMPACT_MIN_KEYS && this.agg.keys.size > 2 * live) this.compactKeys();
  }

  /** Unlinks an emitted window from its key and frees its slot. */
  private close(s: number): void {
    let prev = -1;
    for (let at = this.head[this.keyOf[s]!]!; at !== s; at = this.next[at]!) prev = at;
    this.unlink(s, prev);
    this.agg.state.release(s);
  }

  private compactKeys(): void {
    const old = this.agg.keys;
    const fresh = old.emptyCopy();
    const remap = new Int32Array(old.size).fill(-1);
    const idOf = (k: number): number => {
      if (remap[k]! < 0) remap[k] = fresh.idOf(old.values(k));
      return remap[k]!;
    };
    for (let k = 0; k < old.size; k++) {
      const first = this.head[k]!;
      if (first < 0) continue;
      const id = idOf(k);
      for (let s = first; s >= 0; s = this.next[s]!) this.keyOf[s] = id;
    }
    this.others?.renumber(idOf);
    const head = new Int32Array(Math.max(64, 2 * fresh.size)).fill(-1);
    for (let k = 0; k < old.size; k++) if (this.head[k]! >= 0) head[remap[k]!] = this.head[k]!;
    this.head = head;
    this.agg.replaceKeys(fresh);
  }

  /** Fails the query once its windows, COUNT(DISTINCT) values and `held` other entries pass the state key limit. */
  checkState(held = 0): void {
    const state = this.agg.state;
    this.limit.check(state.liveSlots + state.distinctValues + held, state.distinctValues);
  }

  /** Window s as a checkpoint keeps it. */
  save(s: number): SavedWindow {
    return { key: this.agg.keys.values(this.keyOf[s]!), start: this.start[s]!, end: this.end[s]!, acc: this.agg.state.save(s) };
  }

  /** Opens a window saved by `save`, its key's newest; returns its slot. */
  restore(saved: SavedWindow): number {
    const k = this.agg.keys.idOf(saved.key);
    this.ensureKeys(this.agg.keys.size);
    const slot = this.open(k, saved.start, saved.end);
    this.agg.state.load(slot, saved.acc);
    return slot;
  }

  /** The watermark as a checkpoint keeps it: null before the first. */
  get savedWatermark(): number | null {
    return Number.isFinite(this.watermark) ? this.watermark : null;
  }

  /** Lets go of every window and key (the query ended). */
  release(): void {
    this.agg.release();
    this.head = new Int32Array(0);
    this.keyOf = new Int32Array(0);
    this.next = new Int32Array(0);
    this.liveKeys = 0;
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
    this.start = grownFloat64(this.start, capacity);
    this.end = grownFloat64(this.end, capacity);
    this.keyOf = grownInt32(this.keyOf, capacity, -1);
    this.next = grownInt32(this.next, capacity, -1);
  }
}

/** `a` copied into a larger array of `capacity` elements. */
export function grownFloat64(a: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}

/** `a` copied into a larger array of `capacity` elements, the new ones set to `fill`. */
export function grownInt32(a: Int32Array, capacity: number, fill: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(capacity).fill(fill);
  b.set(a);
  return b;
}
