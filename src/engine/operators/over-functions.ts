// What an OVER call computes for a row from its partition's rows (over-partition.ts). Aggregates keep a
// running state that rows entering the frame add to and rows leaving it take from, so each row costs a
// constant amount whatever the frame's length (MIN and MAX keep the positions that may yet be the
// extreme, best first: each row enters and leaves that deque once). FIRST_VALUE, LAST_VALUE and LAG read
// the kept rows directly.
import type { OverCall } from '../plan/over.js';
import type { DataType } from '../plan/expr.js';
import { EddyError, unreachable } from '../errors.js';
import { allocValues } from '../batch/column.js';
import { integerMean } from './accumulators.js';
import type { Column } from '../batch/column.js';
import { VALID, VALUES, type FrameState, type OverPartition, type PartitionLayout } from './over-partition.js';

/** A result column being filled, row by row. */
export interface ResultColumn {
  readonly type: DataType;
  readonly values: Column['values'];
  readonly valid: Uint8Array;
}

export function resultColumn(type: DataType, length: number): ResultColumn {
  return { type, values: allocValues(type, length), valid: new Uint8Array(length) };
}

/** Where each partition keeps the functions' state: numbers and deques claimed one after another, and FrameState objects. */
export class FrameLayout {
  numbers = 0;
  deques = 0;
  readonly objects: boolean[] = [];

  claimNumbers(count: number): number {
    const slot = this.numbers;
    this.numbers += count;
    return slot;
  }

  claimDeque(): number {
    return this.deques++;
  }

  claimObject(): number {
    this.objects.push(true);
    return this.objects.length - 1;
  }

  /** The partitions' layout, for rows of `stride` doubles and these arguments. */
  partition(stride: number, textArgs: readonly boolean[]): PartitionLayout {
    return { stride, textArgs, numbers: this.numbers, deques: this.deques, objects: this.objects };
  }
}

export interface FrameFunction {
  /** The row at `position` entered the frame. */
  add(p: OverPartition, position: number): void;
  /** The row at `position` left the frame (only bounded frames remove). */
  remove(p: OverPartition, position: number): void;
  /**
   * Writes the result of the row at `current`, whose frame is [p.frameStart, end) (an unbounded frame:
   * every row before `end`), into row `i` of `out`.
   */
  write(p: OverPartition, current: number, end: number, out: ResultColumn, i: number): void;
  /** For unbounded frames, whose state no kept rows could rebuild: the state as a checkpoint holds it. */
  save(p: OverPartition): unknown;
  load(p: OverPartition, saved: unknown): void;
}

function put(out: ResultColumn, i: number, v: number | string): void {
  (out.values as unknown as (number | string)[])[i] = v;
  out.valid[i] = 1;
}

/** Argument `arg` of the row at `position`, or NULL, into `out`. */
function putValue(p: OverPartition, arg: number, position: number, out: ResultColumn, i: number): void {
  if (p.isValid(position, arg)) put(out, i, p.value(position, arg));
}

abstract class Stateless implements FrameFunction {
  add(): void {}
  remove(): void {}
  abstract write(p: OverPartition, current: number, end: number, out: ResultColumn, i: number): void;
  save(): unknown {
    return null;
  }
  load(): void {}
}

/** A function whose state is `count` numbers from `slot` on. */
abstract class Numeric implements FrameFunction {
  protected readonly slot: number;
  constructor(
    layout: FrameLayout,
    private readonly count: number,
  ) {
    this.slot = layout.claimNumbers(count);
  }
  abstract add(p: OverPartition, position: number): void;
  abstract remove(p: OverPartition, position: number): void;
  abstract write(p: OverPartition, current: number, end: number, out: ResultColumn, i: number): void;
  save(p: OverPartition): unknown {
    return Array.from(p.data.subarray(this.slot, this.slot + this.count));
  }
  load(p: OverPartition, saved: unknown): void {
    p.data.set(saved as number[], this.slot);
  }
}

/** COUNT(*) and COUNT(x): one number, the rows (non-NULL values) in the frame. */
class CountFn extends Numeric {
  private readonly mask: number;
  constructor(
    layout: FrameLayout,
    arg: number,
  ) {
    super(layout, 1);
    this.mask = arg < 0 ? 0 : 1 << arg;
  }
  private counts(p: OverPartition, position: number): boolean {
    return this.mask === 0 || (p.data[p.row(position) + VALID]! & this.mask) !== 0;
  }
  add(p: OverPartition, position: number): void {
    if (this.counts(p, position)) p.data[this.slot] = p.data[this.slot]! + 1;
  }
  remove(p: OverPartition, position: number): void {
    if (this.counts(p, position)) p.data[this.slot] = p.data[this.slot]! - 1;
  }
  write(p: OverPartition, _current: number, _end: number, out: ResultColumn, i: number): void {
    put(out, i, p.data[this.slot]!);
  }
}

/**
 * SUM and AVG: the count of non-NULL values and their sum, exactly 0 again whenever the frame holds none.
 * AVG of integers is an integer, truncated toward zero (integerMean).
 */
class SumFn extends Numeric {
  private readonly mask: number;
  constructor(
    layout: FrameLayout,
    private readonly arg: number,
    private readonly avg: 'double' | 'integer' | undefined,
  ) {
    super(layout, 2);
    this.mask = 1 << arg;
  }
  add(p: OverPartition, position: number): void {
    const r = p.row(position);
    const data = p.data;
    if ((data[r + VALID]! & this.mask) === 0) return;
    const s = this.slot;
    const st = p.data;
    st[s] = st[s]! + 1;
    st[s + 1] = st[s + 1]! + data[r + VALUES + this.arg]!;
  }
  remove(p: OverPartition, position: number): void {
    const r = p.row(position);
    const data = p.data;
    if ((data[r + VALID]! & this.mask) === 0) return;
    const s = this.slot;
    const st = p.data;
    const n = st[s]! - 1;
    st[s] = n;
    if (n === 0) st[s + 1] = 0;
    else st[s + 1] = st[s + 1]! - data[r + VALUES + this.arg]!;
  }
  write(p: OverPartition, _current: number, _end: number, out: ResultColumn, i: number): void {
    const n = p.data[this.slot]!;
    const sum = p.data[this.slot + 1]!;
    if (n > 0) put(out, i, this.avg === undefined ? sum : this.avg === 'double' ? sum / n : integerMean(sum, n));
  }
}

/** Sample standard deviation by Welford's method, which also takes values out again: count, mean, sum of squares. */
class StddevFn extends Numeric {
  private readonly mask: number;
  constructor(
    layout: FrameLayout,
    private readonly arg: number,
  ) {
    super(layout, 3);
    this.mask = 1 << arg;
  }
  add(p: OverPartition, position: number): void {
    const r = p.row(position);
    if ((p.data[r + VALID]! & this.mask) === 0) return;
    const x = p.data[r + VALUES + this.arg]!;
    const st = p.data;
    const s = this.slot;
    const n = st[s]! + 1;
    st[s] = n;
    const d = x - st[s + 1]!;
    st[s + 1] = st[s + 1]! + d / n;
    st[s + 2] = st[s + 2]! + d * (x - st[s + 1]!);
  }
  remove(p: OverPartition, position: number): void {
    const r = p.row(position);
    if ((p.data[r + VALID]! & this.mask) === 0) return;
    const x = p.data[r + VALUES + this.arg]!;
    const st = p.data;
    const s = this.slot;
    const n = st[s]! - 1;
    st[s] = n;
    if (n === 0) {
      st[s + 1] = 0;
      st[s + 2] = 0;
      return;
    }
    const d = x - st[s + 1]!;
    st[s + 1] = st[s + 1]! - d / n;
    st[s + 2] = Math.max(0, st[s + 2]! - d * (x - st[s + 1]!));
  }
  write(p: OverPartition, _current: number, _end: number, out: ResultColumn, i: number): void {
    const n = p.data[this.slot]!;
    if (n >= 2) put(out, i, Math.sqrt(p.data[this.slot + 2]! / (n - 1)));
  }
}

/** A function whose state is a FrameState. */
abstract class WithObject implements FrameFunction {
  protected readonly object: number;
  constructor(layout: FrameLayout) {
    this.object = layout.claimObject();
  }
  protected state(p: OverPartition): FrameState {
    return p.objects[this.object]!;
  }
  abstract add(p: OverPartition, position: number): void;
  abstract remove(p: OverPartition, position: number): void;
  abstract write(p: OverPartition, current: number, end: number, out: ResultColumn, i: number): void;
  save(p: OverPartition): unknown {
    const s = this.state(p);
    return s.has ? [s.value] : null;
  }
  load(p: OverPartition, saved: unknown): void {
    const s = this.state(p);
    s.has = saved !== null;
    s.value = saved === null ? null : (saved as [string | number | null])[0];
  }
}

/** MIN and MAX of an unbounded frame: the extreme so far. */
class RunningExtremeFn extends WithObject {
  constructor(
    layout: FrameLayout,
    private readonly arg: number,
    private readonly max: boolean,
  ) {
    super(layout);
  }
  add(p: OverPartition, position: number): void {
    if (!p.isValid(position, this.arg)) return;
    const v = p.value(position, this.arg);
    const s = this.state(p);
    if (!s.has || (this.max ? v > s.value! : v < s.value!)) {
      s.value = v;
      s.has = true;
    }
  }
  remove(): void {}
  write(p: OverPartition, _current: number, _end: number, out: ResultColumn, i: number): void {
    const s = this.state(p);
    if (s.has) put(out, i, s.value!);
  }
}

/**
 * MIN and MAX of a bounded frame: a deque of the rows that may yet be the extreme, best first, each as
 * its position and (numbers) its value, so comparing with it reads no kept row. Its entries live in the
 * partition's deque `deque`; its numbers are the deque's head and tail indices.
 */
class SlidingExtremeFn extends Numeric {
  private readonly deque: number;
  constructor(
    layout: FrameLayout,
    private readonly arg: number,
    private readonly max: boolean,
    private readonly text: boolean,
  ) {
    super(layout, 2);
    this.deque = layout.claimDeque();
  }
  add(p: OverPartition, position: number): void {
    if (!p.isValid(position, this.arg)) return;
    const data = p.data;
    const start = p.deque(this.deque);
    const head = data[this.slot]!;
    let tail = data[this.slot + 1]!;
    let value = 0;
    // Values the new one beats (or equals: it leaves the frame later) can never be the extreme again.
    if (this.text) {
      const v = p.value(position, this.arg);
      while (tail > head) {
        const w = p.value(data[start + 2 * (tail - 1)]!, this.arg);
        if (this.max ? w > v : w < v) break;
        tail--;
      }
    } else {
      value = data[p.row(position) + VALUES + this.arg]!;
      if (this.max) while (tail > head && data[start + 2 * tail - 1]! <= value) tail--;
      else while (tail > head && data[start + 2 * tail - 1]! >= value) tail--;
    }
    if (tail === p.capacity) {
      // The deque holds fewer entries than the ring has rows: moved to its start, it has room.
      data.copyWithin(start, start + 2 * head, start + 2 * tail);
      tail -= head;
      data[this.slot] = 0;
    }
    data[start + 2 * tail] = position;
    data[start + 2 * tail + 1] = value;
    data[this.slot + 1] = tail + 1;
  }
  remove(p: OverPartition, position: number): void {
    const data = p.data;
    const head = data[this.slot]!;
    if (data[this.slot + 1]! > head && data[p.deque(this.deque) + 2 * head] === position) data[this.slot] = head + 1;
  }
  write(p: OverPartition, _current: number, _end: number, out: ResultColumn, i: number): void {
    const data = p.data;
    const head = data[this.slot]!;
    if (data[this.slot + 1]! === head) return;
    const at = p.deque(this.deque) + 2 * head;
    if (this.text) putValue(p, this.arg, data[at]!, out, i);
    else put(out, i, data[at + 1]!);
  }
  // A bounded frame's state is rebuilt from its rows.
  override save(): unknown {
    return null;
  }
  override load(): void {}
}

/** FIRST_VALUE of a bounded frame: the value at the frame's start (NULL for an empty frame). */
class FrameFirstFn extends Stateless {
  constructor(private readonly arg: number) {
    super();
  }
  write(p: OverPartition, _current: number, end: number, out: ResultColumn, i: number): void {
    if (p.frameStart < end) putValue(p, this.arg, p.frameStart, out, i);
  }
}

/** FIRST_VALUE of an unbounded frame: the partition's first value, remembered. */
class RunningFirstFn extends WithObject {
  constructor(
    layout: FrameLayout,
    private readonly arg: number,
  ) {
    super(layout);
  }
  add(p: OverPartition, position: number): void {
    const s = this.state(p);
    if (s.has) return;
    s.has = true;
    s.value = p.isValid(position, this.arg) ? p.value(position, this.arg) : null;
  }
  remove(): void {}
  write(p: OverPartition, _current: number, _end: number, out: ResultColumn, i: number): void {
    const s = this.state(p);
    if (s.value !== null) put(out, i, s.value);
  }
}

/** LAST_VALUE: the value of the frame's last row (the last of the row's peers, in a RANGE frame ending at it; NULL for an empty frame). */
class LastFn extends Stateless {
  constructor(private readonly arg: number) {
    super();
  }
  write(p: OverPartition, _current: number, end: number, out: ResultColumn, i: number): void {
    if (end > p.frameStart) putValue(p, this.arg, end - 1, out, i);
  }
}

/** LAG: the value `offset` rows before the row in its partition (kept for it), or the default. */
class LagFn extends Stateless {
  constructor(
    private readonly arg: number,
    private readonly offset: number,
    private readonly fallback: number | string | null,
  ) {
    super();
  }
  write(p: OverPartition, current: number, _end: number, out: ResultColumn, i: number): void {
    const position = current - this.offset;
    if (position >= 0) putValue(p, this.arg, position, out, i);
    else if (this.fallback !== null) put(out, i, this.fallback);
  }
}

/**
 * The function for a call, its state claimed in `layout`. `arg` is the index of its argument among the
 * partition's kept values (-1 for COUNT(*)); `bounded` whether rows leave its frame; `fallback` the
 * value of LAG's default.
 */
export function frameFunction(call: OverCall, arg: number, bounded: boolean, fallback: number | string | null, layout: FrameLayout): FrameFunction {
  switch (call.fn) {
    case 'count_star':
    case 'count':
      return new CountFn(layout, call.fn === 'count_star' ? -1 : arg);
    case 'sum':
    case 'avg':
      return new SumFn(layout, arg, call.fn !== 'avg' ? undefined : call.type === 'DOUBLE' ? 'double' : 'integer');
    case 'stddev':
      return new StddevFn(layout, arg);
    case 'min':
    case 'max':
      return bounded ? new SlidingExtremeFn(layout, arg, call.fn === 'max', call.arg?.type === 'VARCHAR') : new RunningExtremeFn(layout, arg, call.fn === 'max');
    case 'first_value':
      return bounded ? new FrameFirstFn(arg) : new RunningFirstFn(layout, arg);
    case 'last_value':
      return new LastFn(arg);
    case 'lag':
      return new LagFn(arg, call.offset ?? 1, fallback);
    case 'lead':
      throw new EddyError('ValidationException', 'LEAD is computed by the OVER operator itself, not as a frame function');
    default:
      return unreachable(call.fn, 'OVER function', 'ValidationException');
  }
}
