// What an OVER call computes for a row from its partition's rows (over-partition.ts). Aggregates keep a
// running state that rows entering the frame add to and rows leaving it take from, so each row costs a
// constant amount whatever the frame's length (MIN and MAX keep the positions that may yet be the
// extreme, best first: each row enters and leaves that deque once). FIRST_VALUE, LAST_VALUE and LAG read
// the kept rows directly.
import type { OverCall } from '../plan/over.js';
import type { DataType } from '../plan/expr.js';
import { EddyError, unreachable } from '../errors.js';
import { allocValues } from '../batch/column.js';
import type { Column } from '../batch/column.js';
import type { FrameState, OverPartition } from './over-partition.js';

/** A result column being filled, row by row. */
export interface ResultColumn {
  readonly type: DataType;
  readonly values: Column['values'];
  readonly valid: Uint8Array;
}

export function resultColumn(type: DataType, length: number): ResultColumn {
  return { type, values: allocValues(type, length), valid: new Uint8Array(length) };
}

export interface FrameFunction {
  /** The row at `position` entered the frame. */
  add(p: OverPartition, s: FrameState, position: number): void;
  /** The row at `position` left the frame (only bounded frames remove). */
  remove(p: OverPartition, s: FrameState, position: number): void;
  /**
   * Writes the result of the row at `current`, whose frame is [p.frameStart, end) (an unbounded frame:
   * every row before `end`), into row `i` of `out`.
   */
  write(p: OverPartition, s: FrameState, current: number, end: number, out: ResultColumn, i: number): void;
  /** For unbounded frames, whose state no kept rows could rebuild: the state as a checkpoint holds it. */
  save(s: FrameState): unknown;
  load(s: FrameState, saved: unknown): void;
}

type Values = ArrayLike<number | string>;

function put(out: ResultColumn, i: number, v: number | string): void {
  (out.values as unknown as (number | string)[])[i] = v;
  out.valid[i] = 1;
}

/** The row's value of argument `arg`, or NULL, into `out`. */
function putValue(p: OverPartition, arg: number, position: number, out: ResultColumn, i: number): void {
  const at = p.at(position);
  if (p.valid[arg]![at] === 1) put(out, i, (p.values[arg] as Values)[at]!);
}

abstract class Stateless implements FrameFunction {
  add(): void {}
  remove(): void {}
  abstract write(p: OverPartition, s: FrameState, current: number, end: number, out: ResultColumn, i: number): void;
  save(): unknown {
    return null;
  }
  load(): void {}
}

function saveNumbers(s: FrameState): unknown {
  return [s.n, s.a, s.b];
}

function loadNumbers(s: FrameState, saved: unknown): void {
  const [n, a, b] = saved as [number, number, number];
  s.n = n;
  s.a = a;
  s.b = b;
}

/** COUNT(*) and COUNT(x). */
class CountFn implements FrameFunction {
  constructor(private readonly arg: number) {}
  add(p: OverPartition, s: FrameState, position: number): void {
    if (this.arg < 0 || p.valid[this.arg]![p.at(position)] === 1) s.n++;
  }
  remove(p: OverPartition, s: FrameState, position: number): void {
    if (this.arg < 0 || p.valid[this.arg]![p.at(position)] === 1) s.n--;
  }
  write(_p: OverPartition, s: FrameState, _current: number, _end: number, out: ResultColumn, i: number): void {
    put(out, i, s.n);
  }
  save = saveNumbers;
  load = loadNumbers;
}

/** SUM and AVG: a running sum of the non-NULL values, exactly 0 again whenever the frame holds none. */
class SumFn implements FrameFunction {
  constructor(
    private readonly arg: number,
    private readonly avg: boolean,
  ) {}
  add(p: OverPartition, s: FrameState, position: number): void {
    const at = p.at(position);
    if (p.valid[this.arg]![at] === 1) {
      s.n++;
      s.a += (p.values[this.arg] as Float64Array)[at]!;
    }
  }
  remove(p: OverPartition, s: FrameState, position: number): void {
    const at = p.at(position);
    if (p.valid[this.arg]![at] === 1) {
      if (--s.n === 0) s.a = 0;
      else s.a -= (p.values[this.arg] as Float64Array)[at]!;
    }
  }
  write(_p: OverPartition, s: FrameState, _current: number, _end: number, out: ResultColumn, i: number): void {
    if (s.n > 0) put(out, i, this.avg ? s.a / s.n : s.a);
  }
  save = saveNumbers;
  load = loadNumbers;
}

/** Sample standard deviation by Welford's method, which also takes values out again. */
class StddevFn implements FrameFunction {
  constructor(private readonly arg: number) {}
  add(p: OverPartition, s: FrameState, position: number): void {
    const at = p.at(position);
    if (p.valid[this.arg]![at] !== 1) return;
    const x = (p.values[this.arg] as Float64Array)[at]!;
    const n = ++s.n;
    const d = x - s.a;
    s.a += d / n;
    s.b += d * (x - s.a);
  }
  remove(p: OverPartition, s: FrameState, position: number): void {
    const at = p.at(position);
    if (p.valid[this.arg]![at] !== 1) return;
    const x = (p.values[this.arg] as Float64Array)[at]!;
    const n = --s.n;
    if (n === 0) {
      s.a = 0;
      s.b = 0;
      return;
    }
    const d = x - s.a;
    s.a -= d / n;
    s.b = Math.max(0, s.b - d * (x - s.a));
  }
  write(_p: OverPartition, s: FrameState, _current: number, _end: number, out: ResultColumn, i: number): void {
    if (s.n >= 2) put(out, i, Math.sqrt(s.b / (s.n - 1)));
  }
  save = saveNumbers;
  load = loadNumbers;
}

/** MIN and MAX of an unbounded frame: the extreme so far. */
class RunningExtremeFn implements FrameFunction {
  constructor(
    private readonly arg: number,
    private readonly max: boolean,
  ) {}
  add(p: OverPartition, s: FrameState, position: number): void {
    const at = p.at(position);
    if (p.valid[this.arg]![at] !== 1) return;
    const v = (p.values[this.arg] as Values)[at]!;
    const best = s.value;
    if (best === null || (this.max ? v > best : v < best)) s.value = v;
  }
  remove(): void {}
  write(_p: OverPartition, s: FrameState, _current: number, _end: number, out: ResultColumn, i: number): void {
    if (s.value !== null) put(out, i, s.value);
  }
  save(s: FrameState): unknown {
    return s.value;
  }
  load(s: FrameState, saved: unknown): void {
    s.value = saved as string | number | null;
  }
}

/** MIN and MAX of a bounded frame: a deque of the positions that may yet be the extreme, best first. */
class SlidingExtremeFn implements FrameFunction {
  constructor(
    private readonly arg: number,
    private readonly max: boolean,
  ) {}
  add(p: OverPartition, s: FrameState, position: number): void {
    const at = p.at(position);
    if (p.valid[this.arg]![at] !== 1) return;
    const values = p.values[this.arg] as Values;
    const v = values[at]!;
    let dq = s.deque;
    if (dq === null) dq = s.deque = new Float64Array(8);
    let tail = s.dequeTail;
    // Values the new one beats (or equals: it leaves the frame later) can never be the extreme again.
    while (tail > s.dequeHead) {
      const w = values[p.at(dq[tail - 1]!)]!;
      if (this.max ? w > v : w < v) break;
      tail--;
    }
    if (tail === dq.length) {
      if (s.dequeHead > 0) {
        dq.copyWithin(0, s.dequeHead, tail);
        tail -= s.dequeHead;
        s.dequeHead = 0;
      } else {
        const grown = new Float64Array(dq.length * 2);
        grown.set(dq);
        dq = s.deque = grown;
      }
    }
    dq[tail++] = position;
    s.dequeTail = tail;
  }
  remove(_p: OverPartition, s: FrameState, position: number): void {
    if (s.dequeTail > s.dequeHead && s.deque![s.dequeHead] === position) s.dequeHead++;
  }
  write(p: OverPartition, s: FrameState, _current: number, _end: number, out: ResultColumn, i: number): void {
    if (s.dequeTail > s.dequeHead) putValue(p, this.arg, s.deque![s.dequeHead]!, out, i);
  }
  save(): unknown {
    return null;
  }
  load(): void {}
}

/** FIRST_VALUE of a bounded frame: the value at the frame's start. */
class FrameFirstFn extends Stateless {
  constructor(private readonly arg: number) {
    super();
  }
  write(p: OverPartition, _s: FrameState, _current: number, _end: number, out: ResultColumn, i: number): void {
    putValue(p, this.arg, p.frameStart, out, i);
  }
}

/** FIRST_VALUE of an unbounded frame: the partition's first value, remembered. */
class RunningFirstFn implements FrameFunction {
  constructor(private readonly arg: number) {}
  add(p: OverPartition, s: FrameState, position: number): void {
    if (s.has) return;
    const at = p.at(position);
    s.has = true;
    s.value = p.valid[this.arg]![at] === 1 ? (p.values[this.arg] as Values)[at]! : null;
  }
  remove(): void {}
  write(_p: OverPartition, s: FrameState, _current: number, _end: number, out: ResultColumn, i: number): void {
    if (s.value !== null) put(out, i, s.value);
  }
  save(s: FrameState): unknown {
    return s.has ? [s.value] : null;
  }
  load(s: FrameState, saved: unknown): void {
    s.has = saved !== null;
    s.value = saved === null ? null : (saved as [string | number | null])[0];
  }
}

/** LAST_VALUE: the value of the frame's last row (the last of the row's peers, in a RANGE frame). */
class LastFn extends Stateless {
  constructor(private readonly arg: number) {
    super();
  }
  write(p: OverPartition, _s: FrameState, _current: number, end: number, out: ResultColumn, i: number): void {
    putValue(p, this.arg, end - 1, out, i);
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
  write(p: OverPartition, _s: FrameState, current: number, _end: number, out: ResultColumn, i: number): void {
    const position = current - this.offset;
    if (position >= 0) putValue(p, this.arg, position, out, i);
    else if (this.fallback !== null) put(out, i, this.fallback);
  }
}

/**
 * The function for a call. `arg` is the index of its argument among the partition's kept values (-1 for
 * COUNT(*)); `bounded` whether rows leave its frame; `fallback` the value of LAG's default.
 */
export function frameFunction(call: OverCall, arg: number, bounded: boolean, fallback: number | string | null): FrameFunction {
  switch (call.fn) {
    case 'count_star':
    case 'count':
      return new CountFn(call.fn === 'count_star' ? -1 : arg);
    case 'sum':
    case 'avg':
      return new SumFn(arg, call.fn === 'avg');
    case 'stddev':
      return new StddevFn(arg);
    case 'min':
    case 'max':
      return bounded ? new SlidingExtremeFn(arg, call.fn === 'max') : new RunningExtremeFn(arg, call.fn === 'max');
    case 'first_value':
      return bounded ? new FrameFirstFn(arg) : new RunningFirstFn(arg);
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
