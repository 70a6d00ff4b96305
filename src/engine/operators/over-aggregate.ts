// OVER windows: `agg(x) OVER (PARTITION BY k ORDER BY time frame)` gives every input row the aggregate
// of the earlier rows of its partition that its frame holds. A row is computed and emitted once the
// watermark passes its time: then no peer of it (same partition, same time) and no earlier row of its
// partition can still arrive, so each row is emitted once, with its final value. Until then the row
// waits in its input batch (held-batches.ts); at each watermark the rows it makes final are taken in
// order of time and pushed through their partitions (over-partition.ts), whose frame functions
// (over-functions.ts) add the rows entering a frame and take out the rows leaving it.
//
// A partition keeps the rows its frames and LAG may still read: with a RANGE frame, the rows no later
// than the frame's length behind the watermark (a partition with none left is let go, and its id is
// reused once such ids dominate); with a ROWS frame, its last rows; with an unbounded frame, the running
// aggregate. Rows held for the watermark, rows kept by partitions and partitions all count against the
// query's state key limit (state-key-limit.ts).
import type { RecordBatch, Schema } from 'apache-arrow';
import type { OverAggregateNode, OverCall } from '../plan/over.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import type { Column } from '../batch/column.js';
import { columnToArrow, makeColumn } from '../batch/column.js';
import { arrowSchema } from '../batch/arrow-types.js';
import { BatchView } from '../batch/batch-view.js';
import { int32View } from '../batch/int64.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';
import { FrameLayout, frameFunction, resultColumn, type FrameFunction, type ResultColumn } from './over-functions.js';
import { MAX_OVER_ARGUMENTS, OverPartition, SOURCE_BATCH, SOURCE_ROW, TIME, VALID, VALUES, type PartitionLayout } from './over-partition.js';
import { PartitionKeys } from './partition-keys.js';
import { HeldBatches } from './held-batches.js';
import { restoreRows, RowSaver, saveRows, type SavedRow } from './row-snapshot.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';
import type { KeyValue } from './key-mapper.js';

/** Below this many partition ids, renumbering is not worth its cost. */
const COMPACT_MIN_KEYS = 4096;

/** Batches holding only rows that wait for LEAD rows, past which those rows are copied together. */
const COMPACT_WAITING_BATCHES = 64;

/** What the operator keeps of a held batch: each row's time, partition and argument values. */
interface BatchRows {
  /** The batch's id among the held batches. */
  id: number;
  readonly times: Float64Array;
  readonly keys: Int32Array;
  /** Each argument's values: numbers (whatever their type) as doubles, or strings; and which are NULL. */
  readonly numbers: readonly (Float64Array | null)[];
  readonly strings: readonly (string[] | null)[];
  readonly valid: readonly (Uint8Array | null)[];
  /** Rows still waiting for the watermark, and how many. */
  pending: Int32Array;
  pendingCount: number;
  /** The earliest time among the pending rows. */
  minTime: number;
}

interface LeadCall {
  readonly call: number;
  readonly arg: number;
  readonly offset: number;
  readonly fallback: number | string | null;
}

interface OverSnapshot {
  readonly watermark: number | null;
  readonly partitions: {
    readonly key: KeyValue[];
    /** Position of the first row kept, then frameStart, added and computed as offsets from it. */
    readonly head: number;
    readonly frameStart: number;
    readonly added: number;
    readonly computed: number;
    /** [time, argument values…] of each kept row. */
    readonly rows: (number | string | null)[][];
    /** Unbounded frames: each call's running state. */
    readonly states: unknown[] | null;
  }[];
  /** Input rows held: those partitions have not computed yet (in partition order), then those waiting for the watermark. */
  readonly held: SavedRow[];
  readonly heldPending: number;
}

export class OverAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  private readonly inputSchema: Schema;
  private readonly inputTypes: readonly DataType[];
  private readonly timeColumn: number;
  private readonly keys: PartitionKeys;
  private readonly args: readonly CompiledExpr[];
  /** Per argument, whether it is text (kept beside the numbers). */
  private readonly textArgs: readonly boolean[];
  private readonly layout = new FrameLayout();
  private readonly partitionLayout: PartitionLayout;
  private readonly calls: readonly OverCall[];
  /** The frame functions (of every call but LEAD, which the operator reads itself), and each one's call. */
  private readonly functions: readonly FrameFunction[];
  private readonly functionCall: readonly number[];
  private readonly leads: readonly LeadCall[];
  private readonly maxLag: number;
  private readonly maxLead: number;
  private readonly bounded: boolean;
  private readonly range: boolean;
  /** RANGE: how far back the frame reaches, ms; ROWS: how many rows before the current one. */
  private readonly reach: number;
  /** Where the frame ends: that far before the current row (0: at it, with its peers). */
  private readonly endReach: number;
  private readonly held = new HeldBatches<BatchRows>();
  private partitions: (OverPartition | undefined)[] = [];
  private livePartitions = 0;
  /** Rows kept by partitions (their rings). */
  private keptRows = 0;
  private watermark = -Infinity;
  private nextSweep = -Infinity;
  private readonly limit: StateKeyLimit;

  constructor(node: OverAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    const tc = input[node.timeColumn];
    if (!tc) throw new EddyError('ValidationException', `OVER time column ${node.timeColumn} is out of range (input has ${input.length} columns)`);
    if (tc.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `OVER time column '${tc.name}' must be TIMESTAMP, got ${tc.type}`);
    if (node.calls.length === 0) throw new EddyError('ValidationException', 'an OVER aggregate needs at least one call');
    const frame = node.frame;
    const reach = frame.kind === 'rows' ? frame.preceding : frame.precedingMs;
    if (reach !== null && !(Number.isSafeInteger(reach) && reach >= 0)) {
      throw new EddyError('ValidationException', `an OVER frame must reach back a whole number ≥ 0 of ${frame.kind === 'rows' ? 'rows' : 'milliseconds'}, got ${reach}`);
    }
    const endReach = (frame.kind === 'rows' ? frame.endPreceding : frame.endPrecedingMs) ?? 0;
    if (!(Number.isSafeInteger(endReach) && endReach >= 0 && (reach === null || endReach <= reach))) {
      throw new EddyError('ValidationException', `an OVER frame must end no further back than it starts, got ${reach} to ${endReach}`);
    }
    this.range = frame.kind === 'range';
    this.bounded = reach !== null;
    this.reach = reach ?? 0;
    this.endReach = endReach;
    this.timeColumn = node.timeColumn;
    this.inputTypes = input.map((c) => c.type);
    this.limit = new StateKeyLimit(maxStateKeys, `OVER (PARTITION BY ${node.partitionBy.map((k) => k.name).join(', ') || 'nothing'})`);
    this.keys = new PartitionKeys(node.partitionBy, this.inputTypes, context);
    const names = new Set(input.map((c) => c.name));
    for (const c of node.calls) {
      if (names.has(c.name)) throw new EddyError('ValidationException', `duplicate output column '${c.name}'`);
      names.add(c.name);
    }
    const options = { ...context, inputTypes: this.inputTypes };
    const args: CompiledExpr[] = [];
    const argIds = new Map<string, number>();
    const argOf = (call: OverCall): number => {
      if (!call.arg) {
        if (call.fn !== 'count_star') throw new EddyError('ValidationException', `${call.fn} needs an argument`);
        return -1;
      }
      const text = JSON.stringify(call.arg);
      let j = argIds.get(text);
      if (j === undefined) {
        j = args.length;
        args.push(compileExpr(call.arg, options));
        argIds.set(text, j);
      }
      return j;
    };
    const fallbackOf = (call: OverCall): number | string | null => {
      const d = call.default;
      if (d === undefined) return null;
      if (d.kind !== 'literal' || d.type !== call.type) throw new EddyError('ValidationException', `the default of ${call.fn} must be a ${call.type} literal`);
      return typeof d.value === 'boolean' ? (d.value ? 1 : 0) : d.value;
    };
    const leads: LeadCall[] = [];
    let maxLag = 0;
    const functions: FrameFunction[] = [];
    const functionCall: number[] = [];
    node.calls.forEach((call, i) => {
      const arg = argOf(call);
      if ((call.fn === 'lag' || call.fn === 'lead') && !(Number.isSafeInteger(call.offset ?? 1) && (call.offset ?? 1) >= 0)) {
        throw new EddyError('ValidationException', `the offset of ${call.fn} must be a whole number ≥ 0, got ${call.offset}`);
      }
      if (call.fn === 'lead') {
        leads.push({ call: i, arg, offset: call.offset ?? 1, fallback: fallbackOf(call) });
        return;
      }
      if (call.fn === 'lag') maxLag = Math.max(maxLag, call.offset ?? 1);
      functions.push(frameFunction(call, arg, this.bounded, fallbackOf(call), this.layout));
      functionCall.push(i);
    });
    this.functions = functions;
    this.functionCall = functionCall;
    this.leads = leads;
    this.maxLag = maxLag;
    this.maxLead = leads.reduce((m, l) => Math.max(m, l.offset), 0);
    if (args.length > MAX_OVER_ARGUMENTS) throw new EddyError('ValidationException', `an OVER window reads at most ${MAX_OVER_ARGUMENTS} different arguments, got ${args.length}`);
    this.args = args;
    this.textArgs = args.map((a) => a.type === 'VARCHAR');
    this.partitionLayout = this.layout.partition(VALUES + args.length, this.textArgs);
    this.calls = node.calls;
    this.outputColumns = [...input, ...node.calls.map((c) => ({ name: c.name, type: c.type }))];
    this.schema = arrowSchema(this.outputColumns);
    this.inputSchema = arrowSchema(input);
  }

  /** Partitions held now (for tests and status). */
  get partitionCount(): number {
    return this.livePartitions;
  }

  /** Input rows held, waiting for the watermark or for the rows after them (LEAD). */
  get heldRows(): number {
    return this.held.rows;
  }

  /** Input batches those rows are held in. */
  get heldBatches(): number {
    return this.held.batches;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, _out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const { late } = this.accept(batch, true);
    if (late > 0) ctx.metrics.lateRows += late;
    this.checkState();
  }

  /**
   * Holds the batch's rows until the watermark passes them (only the rows `only` lists, when given), and
   * `extra` more rows that partitions will ask for (a restored checkpoint's); returns how many rows were
   * late (dropped) and the id the batch is held under, if it is.
   */
  private accept(batch: RecordBatch, dropLate: boolean, only?: ArrayLike<number>, extra = 0): { late: number; id?: number } {
    const n = batch.numRows;
    const view = new BatchView(batch, this.inputTypes);
    const timeData = batch.data.children[this.timeColumn]!;
    const pairs = int32View((timeData.values as BigInt64Array).subarray(0, n));
    const tv = timeData.nullCount > 0 ? view.column(this.timeColumn).valid : null;
    const times = new Float64Array(n);
    const total = only ? only.length : n;
    const pending = new Int32Array(total);
    const wm = dropLate ? this.watermark : -Infinity;
    let count = 0;
    let late = 0;
    let minTime = Infinity;
    for (let k = 0; k < total; k++) {
      const i = only ? only[k]! : k;
      // Rows without a time belong to no frame: they are dropped, as windows drop them.
      if (tv !== null && tv[i] === 0) continue;
      const t = pairs[2 * i + 1]! * 4294967296 + (pairs[2 * i]! >>> 0);
      if (t < wm) {
        late++;
        continue;
      }
      times[i] = t;
      if (t < minTime) minTime = t;
      pending[count++] = i;
    }
    if (count + extra === 0) return { late };
    const keys = this.keys.ids(view).slice(0, n);
    const args = this.args.map((a) => a.evaluate(view));
    // The analyzer sends no DECIMAL argument here (OVER aggregates take numbers, text and times).
    const numbers = args.map((c) => (c.values instanceof Float64Array ? c.values : c.values instanceof Int32Array || c.values instanceof Uint8Array ? Float64Array.from(c.values) : null));
    const strings = args.map((c) => (c.type === 'VARCHAR' ? c.values : null));
    const rows: BatchRows = { id: -1, times, keys, numbers, strings, valid: args.map((c) => c.valid), pending, pendingCount: count, minTime };
    rows.id = this.held.add(batch, rows, count + extra);
    return { late, id: rows.id };
  }

  onWatermark(watermarkMs: number, _ctx: OperatorContext, out: Collector): void {
    if (!(watermarkMs > this.watermark)) return;
    this.watermark = watermarkMs;
    // Rows the watermark has passed, in arrival order: which held batch and which row.
    const sources: BatchRows[] = [];
    let pendingRows = 0;
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      if (rows.pendingCount === 0 || !(rows.minTime < watermarkMs)) continue;
      sources.push(rows);
      pendingRows += rows.pendingCount;
    }
    const readySource = new Int32Array(pendingRows);
    const readyRow = new Int32Array(pendingRows);
    let ready = 0;
    sources.forEach((rows, s) => {
      const { pending, times } = rows;
      let kept = 0;
      let minTime = Infinity;
      for (let k = 0; k < rows.pendingCount; k++) {
        const i = pending[k]!;
        const t = times[i]!;
        if (t < watermarkMs) {
          readySource[ready] = s;
          readyRow[ready++] = i;
        } else {
          pending[kept++] = i;
          if (t < minTime) minTime = t;
        }
      }
      rows.pendingCount = kept;
      rows.minTime = minTime;
    });
    const waiting = this.held.rows - ready;
    // At most every ready row and every row waiting for LEAD is emitted now.
    const capacity = ready + (this.maxLead > 0 ? waiting : 0);
    const emit = new Emission(capacity, this.calls);
    if (ready > 0) this.push(sources, readySource, readyRow, ready, emit);
    if (this.range && this.bounded && watermarkMs >= this.nextSweep) this.sweep(watermarkMs);
    if (emit.count > 0) {
      const extra = emit.results.map((r) => columnToArrow(makeColumn(r.type, fit(r.values, emit.count), r.valid.subarray(0, emit.count), emit.count)));
      out.emit(this.held.emit(this.schema, emit.batches, emit.rows, emit.count, extra));
    }
    if (this.keys.size > COMPACT_MIN_KEYS && this.keys.size > 2 * this.livePartitions) this.compactKeys();
    if (this.maxLead > 0) this.compactWaiting();
    this.checkState();
  }

  /** Pushes the ready rows through their partitions in order of time (ties: partition, then arrival). */
  private push(sources: readonly BatchRows[], readySource: Int32Array, readyRow: Int32Array, ready: number, emit: Emission): void {
    const time = new Float64Array(ready);
    const key = new Int32Array(ready);
    let sorted = true;
    for (let r = 0; r < ready; r++) {
      const rows = sources[readySource[r]!]!;
      const i = readyRow[r]!;
      time[r] = rows.times[i]!;
      key[r] = rows.keys[i]!;
      if (r > 0 && (time[r]! < time[r - 1]! || (time[r] === time[r - 1] && key[r]! < key[r - 1]!))) sorted = false;
    }
    const order = new Int32Array(ready);
    for (let r = 0; r < ready; r++) order[r] = r;
    if (!sorted) order.sort((a, b) => time[a]! - time[b]! || key[a]! - key[b]! || a - b);
    const argCount = this.args.length;
    let touched: OverPartition | undefined;
    for (let o = 0; o < ready; o++) {
      const r = order[o]!;
      const k = key[r]!;
      const p = this.partition(k);
      // A partition's rows of one time arrive together: compute them once all are in.
      if (touched !== undefined && touched !== p) this.advance(touched, emit);
      touched = p;
      const rows = sources[readySource[r]!]!;
      const i = readyRow[r]!;
      const base = p.push();
      const at = p.at(p.tail - 1);
      this.keptRows++;
      const data = p.data;
      data[base + TIME] = time[r]!;
      data[base + SOURCE_BATCH] = rows.id;
      data[base + SOURCE_ROW] = i;
      let valid = 0;
      for (let j = 0; j < argCount; j++) {
        const v = rows.valid[j]!;
        if (v !== null && v[i] === 0) continue;
        valid |= 1 << j;
        const numbers = rows.numbers[j]!;
        if (numbers !== null) data[base + VALUES + j] = numbers[i]!;
        else p.strings[j]![at] = rows.strings[j]![i]!;
      }
      data[base + VALID] = valid;
      const next = o + 1 < ready ? order[o + 1]! : -1;
      if (next < 0 || key[next] !== k || time[next] !== time[r]) {
        this.advance(p, emit);
        touched = undefined;
      }
    }
  }

  private partition(key: number): OverPartition {
    let p = this.partitions[key];
    if (p === undefined) {
      // A new partition starts as large as partitions are on average, sparing it the first few doublings.
      const average = this.livePartitions > 0 ? this.keptRows / this.livePartitions : 0;
      let capacity = 8;
      while (capacity < average && capacity < 1024) capacity *= 2;
      p = new OverPartition(this.partitionLayout, capacity);
      this.partitions[key] = p;
      this.livePartitions++;
    }
    return p;
  }

  /** Computes and emits the partition's rows that can be: all pushed, except those still waiting for LEAD rows. */
  private advance(p: OverPartition, emit: Emission): void {
    const fns = this.functions;
    const calls = this.functionCall;
    const leads = this.leads;
    const maxLead = this.maxLead;
    const endReach = this.endReach;
    while (p.computed + maxLead < p.tail) {
      const c = p.computed;
      // The rows computed together: the row, or in a RANGE frame the row and its peers, [c, group).
      let group = c + 1;
      const t = p.time(c);
      if (this.range) {
        while (group < p.tail && p.time(group) === t) group++;
        // Every peer needs its LEAD rows before the peers' shared frame is computed.
        if (group - 1 + maxLead >= p.tail) break;
      }
      // The frame ends (exclusive) with the group, or as far before it as the frame's end says.
      let end = group;
      if (endReach > 0) {
        if (this.range) {
          end = p.added;
          while (end < c && p.time(end) <= t - endReach) end++;
        } else end = Math.max(group - endReach, 0);
      }
      for (; p.added < end; p.added++) for (let f = 0; f < fns.length; f++) fns[f]!.add(p, p.added);
      if (this.bounded) {
        if (this.range) {
          const from = t - this.reach;
          while (p.frameStart < p.added && p.time(p.frameStart) < from) this.remove(p, p.frameStart++);
        } else {
          while (p.frameStart < p.added && c - p.frameStart > this.reach) this.remove(p, p.frameStart++);
        }
      }
      for (let r = c; r < group; r++) {
        const row = p.row(r);
        const i = emit.add(p.data[row + SOURCE_BATCH]!, p.data[row + SOURCE_ROW]!);
        for (let f = 0; f < fns.length; f++) fns[f]!.write(p, r, end, emit.results[calls[f]!]!, i);
        for (let l = 0; l < leads.length; l++) {
          const lead = leads[l]!;
          const out = emit.results[lead.call]!;
          // A row is computed only once the row LEAD reads has come, so LEAD's default is never needed.
          if (p.isValid(r + lead.offset, lead.arg)) {
            (out.values as unknown as (number | string)[])[i] = p.value(r + lead.offset, lead.arg);
            out.valid[i] = 1;
          }
        }
      }
      p.computed = group;
    }
    this.trim(p);
  }

  private remove(p: OverPartition, position: number): void {
    const fns = this.functions;
    for (let f = 0; f < fns.length; f++) fns[f]!.remove(p, position);
  }

  /** Lets go of the rows no frame, LAG or LEAD will read again. */
  private trim(p: OverPartition): void {
    // An unbounded frame needs no rows but its last (LAST_VALUE) and those not in it yet.
    const frameNeeds = this.bounded ? p.frameStart : this.endReach > 0 ? Math.max(p.added - 1, 0) : p.computed;
    const before = p.size;
    p.dropBefore(Math.min(frameNeeds, p.computed - this.maxLag));
    this.keptRows -= before - p.size;
  }

  /**
   * RANGE frames: takes out of every partition's frame the rows no later row can reach (more than the
   * frame's length behind the watermark) and lets go of partitions left with nothing. Runs at most once
   * per frame length of event time, so its cost is spread over that time's rows.
   */
  private sweep(watermarkMs: number): void {
    this.nextSweep = watermarkMs + Math.max(this.reach, 1000);
    const parts = this.partitions;
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (p === undefined) continue;
      // A row still waiting for LEAD rows needs its own frame.
      const from = (p.computed < p.tail ? Math.min(watermarkMs, p.time(p.computed)) : watermarkMs) - this.reach;
      while (p.frameStart < p.added && p.time(p.frameStart) < from) this.remove(p, p.frameStart++);
      this.trim(p);
      if (p.size === 0) {
        parts[k] = undefined;
        this.livePartitions--;
      }
    }
  }

  /** Renumbers partition ids once ids of partitions let go dominate, so the key map follows live partitions. */
  private compactKeys(): void {
    const used = new Uint8Array(this.keys.size);
    this.partitions.forEach((p, id) => {
      if (p !== undefined) used[id] = 1;
    });
    // Rows waiting for the watermark carry ids too: their partitions' keys stay.
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      for (let k = 0; k < rows.pendingCount; k++) used[rows.keys[rows.pending[k]!]!] = 1;
    }
    const remap = this.keys.compact((id) => used[id] === 1);
    const parts: (OverPartition | undefined)[] = [];
    this.partitions.forEach((p, id) => {
      if (p !== undefined) parts[remap[id]!] = p;
    });
    this.partitions = parts;
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      for (let k = 0; k < rows.pendingCount; k++) {
        const i = rows.pending[k]!;
        rows.keys[i] = remap[rows.keys[i]!]!;
      }
    }
  }

  /**
   * Rows waiting for their LEAD rows can wait long (until their partition gets more rows), each holding
   * the whole batch it came in: once many batches hold nothing else, those rows are copied into one
   * batch of their own and the others let go.
   */
  private compactWaiting(): void {
    const only = new Set<number>();
    for (const id of this.held.ids()) if (this.held.data(id).pendingCount === 0) only.add(id);
    if (only.size < COMPACT_WAITING_BATCHES) return;
    const moved: { p: OverPartition; position: number }[] = [];
    for (const p of this.partitions) {
      if (p === undefined) continue;
      for (let pos = p.computed; pos < p.tail; pos++) if (only.has(p.data[p.row(pos) + SOURCE_BATCH]!)) moved.push({ p, position: pos });
    }
    const ids = Int32Array.from(moved, ({ p, position }) => p.data[p.row(position) + SOURCE_BATCH]!);
    const rows = Int32Array.from(moved, ({ p, position }) => p.data[p.row(position) + SOURCE_ROW]!);
    const batch = this.held.gather(this.inputSchema, ids, rows, moved.length, []);
    for (let i = 0; i < moved.length; i++) this.held.release(ids[i]!);
    const empty = { times: new Float64Array(0), keys: new Int32Array(0), numbers: [], strings: [], valid: [], pending: new Int32Array(0), pendingCount: 0, minTime: Infinity };
    const data: BatchRows = { id: -1, ...empty };
    data.id = this.held.add(batch, data, moved.length);
    moved.forEach(({ p, position }, j) => {
      p.data[p.row(position) + SOURCE_BATCH] = data.id;
      p.data[p.row(position) + SOURCE_ROW] = j;
    });
  }

  private checkState(): void {
    this.limit.check(this.held.rows + this.keptRows + this.livePartitions);
  }

  onClose(): void {
    this.held.clear();
    this.partitions = [];
    this.livePartitions = 0;
    this.keptRows = 0;
    this.keys.clear();
  }

  /** 1: OverSnapshot. */
  readonly snapshotVersion = 1;

  snapshot(): OverSnapshot {
    const held: SavedRow[] = [];
    const saver = new RowSaver(this.inputTypes);
    const partitions: OverSnapshot['partitions'][number][] = [];
    this.partitions.forEach((p, id) => {
      if (p === undefined) return;
      const rows: (number | string | null)[][] = [];
      for (let pos = p.head; pos < p.tail; pos++) {
        rows.push([p.time(pos), ...this.args.map((_a, j) => (p.isValid(pos, j) ? p.value(pos, j) : null))]);
      }
      for (let pos = p.computed; pos < p.tail; pos++) {
        held.push(saver.save(this.held.batch(p.data[p.row(pos) + SOURCE_BATCH]!), p.data[p.row(pos) + SOURCE_ROW]!));
      }
      partitions.push({
        key: this.keys.mapper.values(id),
        head: p.head,
        frameStart: p.frameStart - p.head,
        added: p.added - p.head,
        computed: p.computed - p.head,
        rows,
        states: this.bounded ? null : this.functions.map((f) => f.save(p)),
      });
    });
    let heldPending = 0;
    for (const id of this.held.ids()) {
      const rows = this.held.data(id);
      held.push(...saveRows(this.held.batch(id), this.inputTypes, rows.pending, rows.pendingCount));
      heldPending += rows.pendingCount;
    }
    return { watermark: Number.isFinite(this.watermark) ? this.watermark : null, partitions, held, heldPending };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as OverSnapshot;
    this.watermark = snap.watermark ?? -Infinity;
    // One batch holds every restored input row: first those partitions have yet to compute, in partition
    // order, then those waiting for the watermark.
    const batch = restoreRows(this.inputSchema, this.inputTypes, snap.held);
    const awaiting = snap.held.length - snap.heldPending;
    const pendingRows = Int32Array.from({ length: snap.heldPending }, (_v, i) => awaiting + i);
    const { id } = this.accept(batch, false, pendingRows, awaiting);
    let source = 0;
    for (const saved of snap.partitions) {
      const p = this.partition(this.keys.mapper.idOf(saved.key));
      p.head = p.tail = saved.head;
      for (const row of saved.rows) {
        const base = p.push();
        const at = p.at(p.tail - 1);
        p.data[base + TIME] = row[0] as number;
        let valid = 0;
        for (let j = 0; j < this.args.length; j++) {
          const v = row[j + 1] ?? null;
          if (v === null) continue;
          valid |= 1 << j;
          if (typeof v === 'string') p.strings[j]![at] = v;
          else p.data[base + VALUES + j] = v;
        }
        p.data[base + VALID] = valid;
      }
      this.keptRows += saved.rows.length;
      p.frameStart = saved.head + saved.frameStart;
      p.computed = saved.head + saved.computed;
      p.added = saved.head + saved.added;
      if (this.bounded) {
        // A bounded frame's state is that of its rows: add them again.
        for (let pos = p.frameStart; pos < p.added; pos++) for (let f = 0; f < this.functions.length; f++) this.functions[f]!.add(p, pos);
      } else {
        saved.states?.forEach((s, f) => this.functions[f]?.load(p, s));
      }
      for (let pos = p.computed; pos < p.tail; pos++) {
        p.data[p.row(pos) + SOURCE_BATCH] = id!;
        p.data[p.row(pos) + SOURCE_ROW] = source++;
      }
    }
  }
}

/** The first `count` values of a result column's array. */
function fit(values: Column['values'], count: number): Column['values'] {
  if (values.length === count) return values;
  return Array.isArray(values) ? values.slice(0, count) : values.subarray(0, count);
}

/** The rows a watermark step emits, in order, with their results. */
class Emission {
  readonly batches: Int32Array;
  readonly rows: Int32Array;
  readonly results: ResultColumn[];
  count = 0;

  constructor(capacity: number, calls: readonly OverCall[]) {
    this.batches = new Int32Array(capacity);
    this.rows = new Int32Array(capacity);
    this.results = calls.map((c) => resultColumn(c.type, capacity));
  }

  add(batch: number, row: number): number {
    const i = this.count++;
    this.batches[i] = batch;
    this.rows[i] = row;
    return i;
  }
}
