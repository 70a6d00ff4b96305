// The regular join: two streams joined on keys with no bound in time. Every row is kept, by key, and each
// new row is joined with the other side's rows of its key that the rest of the condition holds for;
// every match is emitted once (+I). An outer side's row that has no match is emitted with NULLs (+I) as
// it arrives, and withdrawn (-D) just before the row of its first match, so outer joins emit a changelog
// whose rows, applied in order, are the join of everything seen. Rows stay until the query's state bound,
// or for the state time-to-live of the query clock, after which they are forgotten without a trace.
// Where the condition bounds a side's rows in time (plan/join.ts, JoinRowExpiry), the other side's rows
// behind its watermark are dropped as late, and a row goes once that watermark passes its `until`: no row
// that could match it can come any more, so the result is the same as if it stayed.
import type { RecordBatch } from 'apache-arrow';
import type { JoinRowExpiry, RegularJoinNode } from '../plan/join.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import { BatchView } from '../batch/batch-view.js';
import type { Column } from '../batch/column.js';
import { DELETE, INSERT } from '../batch/row-kinds.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, GeneratedCode, OperatorContext } from './operator.js';
import type { InputSide, TwoInputOperator } from './two-input-operator.js';
import { JoinEmitter, SlotPairs } from './join-output.js';
import { RowStore, SlotChains, type StoredRow } from './join-rows.js';
import { ExpiryBlocks } from './expiry-blocks.js';
import { keyIds, utf8KeyColumn } from './join-keys.js';
import { KeyMapper, type KeyValue } from './key-mapper.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';
import { joinStateText, validateJoinKeys } from './join-validation.js';

interface Side {
  readonly types: readonly DataType[];
  readonly keys: readonly CompiledExpr[];
  readonly utf8Key: number | undefined;
  readonly store: RowStore;
  readonly chains: SlotChains;
  /** Whether this side's rows without a match are emitted (it is an outer side). */
  readonly outer: boolean;
  /** Per slot: how many of the other side's rows it matched. */
  matches: Int32Array;
  /** Per slot: which row it is (rows are numbered as they arrive; the store keeps the clock time each arrived at). */
  serials: Float64Array;
  /** With a time-to-live: slots in the order they arrived, with their rows' numbers. */
  arrivals: number[];
  arrivalSerials: number[];
  /** Where the live part of `arrivals` begins. */
  first: number;
  watermark: number;
  /** Where the condition bounds this side's rows in time: each row's `until`, from these. */
  readonly until: readonly CompiledExpr[];
  /** The rows with their `until`, to let go of once the other side's watermark passes it. */
  readonly expiry: ExpiryBlocks;
  /** The other side's rows are bounded by this column of this side: rows behind the watermark in it are late. */
  readonly lateColumn: number | undefined;
}

/**
 * A kept row as a snapshot holds it: the row (its time is when it arrived, by the clock), its match count,
 * and, where the condition bounds its side, when it can match nothing more (absent in snapshots from
 * before joins had bounds: such a row stays until the state bound or time-to-live).
 */
interface KeptRow extends StoredRow {
  readonly matchCount: number;
  readonly until?: number;
}

interface RegularJoinSnapshot {
  readonly watermarks: readonly [number | null, number | null];
  /** Each side's rows, in the order they arrived. */
  readonly rows: readonly [readonly KeptRow[], readonly KeptRow[]];
}

/** Key ids are renumbered once more than this many are assigned and at most half of them hold rows. */
const COMPACT_MIN_KEYS = 4096;
/** Entries of let-go rows an expiry may hold beyond twice its live rows before it is rebuilt without them. */
const STALE_EXPIRIES_KEPT = 4096;

export class RegularJoin implements TwoInputOperator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly snapshotVersion = 1;
  private readonly sides: readonly [Side, Side];
  private mapper: KeyMapper;
  private readonly ttlMs: number | undefined;
  private readonly emitter: JoinEmitter;
  private readonly pairs = new SlotPairs();
  private readonly limit: StateKeyLimit;
  private nextSerial = 0;

  constructor(
    node: RegularJoinNode,
    left: readonly ColumnSchema[],
    right: readonly ColumnSchema[],
    context: ExprContext & { readonly maxStateKeys?: number } = {},
    used?: ReadonlySet<number>,
  ) {
    validateJoinKeys(node, left, right);
    if (node.leftKeys.length === 0) throw new EddyError('ValidationException', 'a regular join needs at least one key');
    if (node.stateTtlMs !== undefined && !(Number.isSafeInteger(node.stateTtlMs) && node.stateTtlMs > 0)) {
      throw new EddyError('ValidationException', `a join's state time-to-live must be a whole number of milliseconds > 0, got ${node.stateTtlMs}`);
    }
    this.ttlMs = node.stateTtlMs;
    this.emitter = new JoinEmitter(left, right, node.condition, used, context);
    this.outputColumns = this.emitter.outputColumns;
    const t = node.joinType;
    validateExpiry('left', node.leftExpiry, right);
    validateExpiry('right', node.rightExpiry, left);
    const side = (columns: readonly ColumnSchema[], keys: RegularJoinNode['leftKeys'], kept: readonly boolean[], outer: boolean, expiry: JoinRowExpiry | undefined, other: JoinRowExpiry | undefined): Side => {
      const types = columns.map((c) => c.type);
      return {
        types,
        keys: keys.map((k) => compileExpr(k, { ...context, inputTypes: types })),
        utf8Key: utf8KeyColumn(keys),
        store: new RowStore(types, kept),
        chains: new SlotChains(),
        outer,
        matches: new Int32Array(64),
        serials: new Float64Array(64),
        arrivals: [],
        arrivalSerials: [],
        first: 0,
        watermark: -Infinity,
        until: (expiry?.until ?? []).map((e) => compileExpr(e, { ...context, inputTypes: types })),
        expiry: new ExpiryBlocks(),
        lateColumn: other?.otherTime,
      };
    };
    this.sides = [
      side(left, node.leftKeys, this.emitter.leftKept, t === 'left' || t === 'full', node.leftExpiry, node.rightExpiry),
      side(right, node.rightKeys, this.emitter.rightKept, t === 'right' || t === 'full', node.rightExpiry, node.leftExpiry),
    ];
    this.mapper = new KeyMapper(node.leftKeys.map((k) => k.type));
    this.limit = new StateKeyLimit(context.maxStateKeys ?? DEFAULT_MAX_STATE_KEYS, joinStateText('join', node, left, right));
  }

  generatedCode(): readonly GeneratedCode[] {
    const code = (what: string, list: (s: Side) => readonly CompiledExpr[]) =>
      this.sides.flatMap((s, i) => list(s).flatMap((k, j) => (k.source === '' ? [] : [{ what: `${i === 0 ? 'left' : 'right'} ${what} ${j + 1}`, params: EXPRESSION_PARAMS, body: k.source }])));
    return [...code('key', (s) => s.keys), ...code('until', (s) => s.until), ...this.emitter.generatedCode()];
  }

  /** Rows kept on both sides. */
  stateEntries(): number {
    return this.sides[0].store.size + this.sides[1].store.size;
  }

  processSide(s: InputSide, batch: RecordBatch, ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const now = ctx.clock.now();
    this.expire(now);
    const me = this.sides[s];
    const other = this.sides[1 - s]!;
    const view = new BatchView(batch, me.types);
    const { ids, nulls } = keyIds(this.mapper, me.keys, me.utf8Key, batch, view);
    const columns: (Column | null)[] = me.types.map((_, c) => (me.store.kept[c] ? view.column(c) : null));
    const until = me.until.length > 0 ? untilOf(me.until, view, n) : null;
    const late = me.lateColumn === undefined ? null : view.column(me.lateColumn);
    const rows = new Int32Array(n);
    let count = 0;
    const alone: number[] = [];
    let lateRows = 0;
    for (let i = 0; i < n; i++) {
      if (late !== null && (late.valid === null || late.valid[i] === 1) && (late.values as Float64Array)[i]! < me.watermark) {
        lateRows++;
        continue;
      }
      // A NULL key matches nothing, nor does a NULL time where the condition bounds time (a NULL until,
      // or the column the other side's rows are bounded by): the row stands alone for good (in an outer side's result).
      if ((nulls !== null && nulls[i] === 1) || (until !== null && Number.isNaN(until[i])) || (late !== null && late.valid !== null && late.valid[i] === 0)) {
        if (me.outer) alone.push(i);
      } else rows[count++] = i;
    }
    if (lateRows > 0) ctx.metrics.lateRows += lateRows;
    const arrived = new Float64Array(n).fill(now);
    const slots = me.store.addRows(columns, rows, count, arrived, ids);
    let highest = -1;
    for (const slot of slots) if (slot > highest) highest = slot;
    if (me.matches.length <= highest) me.matches = grownCounts(me.matches, highest + 1);
    if (me.serials.length <= highest) me.serials = grownTimes(me.serials, highest + 1);
    // Every candidate pair: each new row with the other side's rows of its key.
    const pairs = this.pairs;
    const candidates: number[] = [];
    for (let k = 0; k < count; k++) {
      const slot = slots[k]!;
      me.matches[slot] = 0;
      const id = ids[rows[k]!]!;
      for (let o = other.chains.first(id); o !== -1; o = other.chains.next(o)) {
        if (s === 0) pairs.push(slot, o);
        else pairs.push(o, slot);
        candidates.push(k);
      }
    }
    const [left, right] = this.sides;
    const holds = this.emitter.holds(pairs, left.store, right.store);
    // The changelog, row by row in order: an outer row's first match withdraws it alone, then the match.
    const out_ = new SlotPairs();
    const kinds: number[] = [];
    // The rows' `until`s (and, where a row may go by the time-to-live first, their numbers) for the expiry.
    const untils = until === null ? null : new Float64Array(count);
    const tags = until !== null && this.ttlMs !== undefined ? new Float64Array(count) : null;
    let c = 0;
    for (let k = 0; k < count; k++) {
      const slot = slots[k]!;
      for (; c < candidates.length && candidates[c] === k; c++) {
        if (holds[c] !== 1) continue;
        const l = pairs.left[c]!;
        const r = pairs.right[c]!;
        const o = s === 0 ? r : l;
        if (other.outer && other.matches[o] === 0) {
          out_.push(s === 0 ? -1 : o, s === 0 ? o : -1);
          kinds.push(DELETE);
        }
        other.matches[o]!++;
        me.matches[slot]!++;
        out_.push(l, r);
        kinds.push(INSERT);
      }
      if (me.outer && me.matches[slot] === 0) {
        out_.push(s === 0 ? slot : -1, s === 0 ? -1 : slot);
        kinds.push(INSERT);
      }
      me.chains.add(ids[rows[k]!]!, slot);
      const serial = this.nextSerial++;
      me.serials[slot] = serial;
      if (this.ttlMs !== undefined) {
        me.arrivals.push(slot);
        me.arrivalSerials.push(serial);
      }
      if (untils !== null && until !== null) untils[k] = until[rows[k]!]!;
      if (tags !== null) tags[k] = serial;
    }
    pairs.clear();
    if (untils !== null) me.expiry.add(slots, untils, tags);
    if (alone.length > 0) {
      const aloneSlots = me.store.addRows(columns, Int32Array.from(alone), alone.length, arrived, ids);
      for (const slot of aloneSlots) {
        out_.push(s === 0 ? slot : -1, s === 0 ? -1 : slot);
        kinds.push(INSERT);
      }
      this.emit(out_, kinds, out);
      for (const slot of aloneSlots) me.store.release(slot);
    } else this.emit(out_, kinds, out);
    // A row whose `until` the other side's watermark has already passed has all its matches now.
    if (until !== null) this.expireByWatermark(s);
    this.limit.check(this.stateEntries());
  }

  private emit(rows: SlotPairs, kinds: number[], out: Collector): void {
    if (rows.count === 0) return;
    const [left, right] = this.sides;
    // An inner join's rows are all +I: it emits an append-only result.
    if (!left.outer && !right.outer) this.emitter.emit(rows, left.store, right.store, out);
    else this.emitter.emitChangelog(rows, Int8Array.from(kinds), left.store, right.store, out);
  }

  onSideWatermark(s: InputSide, watermarkMs: number, ctx: OperatorContext, _out: Collector): number {
    const me = this.sides[s];
    if (watermarkMs > me.watermark) {
      me.watermark = watermarkMs;
      // This side's watermark lets go of the other side's rows it bounds.
      this.expireByWatermark((1 - s) as InputSide);
    }
    this.expire(ctx.clock.now());
    return Math.min(this.sides[0].watermark, this.sides[1].watermark);
  }

  /** Lets go of side `s`'s rows whose `until` the other side's watermark has passed: no row that could match them can come. */
  private expireByWatermark(s: InputSide): void {
    const me = this.sides[s];
    const threshold = this.sides[1 - s]!.watermark;
    if (!(me.expiry.peekTime() < threshold)) return;
    if (this.ttlMs === undefined && me.expiry.size === me.store.size && me.expiry.maxUntil < threshold) {
      // Every row the side holds goes (as at the end of a run): all at once, rather than row by row.
      this.clearSide(me);
    } else if (this.ttlMs === undefined) {
      me.expiry.expire(threshold, (slot) => this.release(me, slot));
    } else {
      me.expiry.expire(threshold, (slot, serial) => {
        // With a time-to-live, the row may have gone already, and its slot hold another.
        if (me.store.holds(slot) && me.serials[slot] === serial) this.release(me, slot);
      });
    }
    this.compactIfSparse();
  }

  private release(side: Side, slot: number): void {
    side.chains.remove(side.store.key(slot) as number, slot);
    side.store.release(slot);
  }

  /** Forgets the rows that arrived more than the time-to-live ago, on both sides. */
  private expire(now: number): void {
    const ttl = this.ttlMs;
    if (ttl === undefined) return;
    for (const side of this.sides) {
      while (side.first < side.arrivals.length) {
        const slot = side.arrivals[side.first]!;
        const serial = side.arrivalSerials[side.first]!;
        // A row the watermark let go of already: its slot may hold a newer row.
        const gone = !side.store.holds(slot) || side.serials[slot] !== serial;
        if (!gone && side.store.time(slot) + ttl > now) break;
        side.first++;
        if (!gone) this.release(side, slot);
      }
      // The arrival lists drop their expired part once it is most of them.
      if (side.first > 1024 && side.first * 2 > side.arrivals.length) {
        side.arrivals = side.arrivals.slice(side.first);
        side.arrivalSerials = side.arrivalSerials.slice(side.first);
        side.first = 0;
      }
      this.dropStaleExpiries(side);
    }
    this.compactIfSparse();
  }

  /**
   * The expiry keeps an entry for a row the time-to-live let go of until the other side's watermark
   * passes its `until`: while that watermark stands still (the other side quiet), such entries would
   * pile up with every row this side takes. Once they are most of the expiry, it keeps only its rows'.
   */
  private dropStaleExpiries(side: Side): void {
    if (side.expiry.size <= 2 * side.store.size + STALE_EXPIRIES_KEPT) return;
    const slots: number[] = [];
    const untils: number[] = [];
    const tags: number[] = [];
    side.expiry.forEach((until, slot, tag) => {
      if (side.store.holds(slot) && side.serials[slot] === tag) {
        slots.push(slot);
        untils.push(until);
        tags.push(tag);
      }
    });
    side.expiry.clear();
    side.expiry.add(Int32Array.from(slots), Float64Array.from(untils), Float64Array.from(tags));
  }

  /** Rows waiting in the expiry for the other side's watermark, on both sides (let-go rows' entries included until dropped). */
  expiryEntries(): number {
    return this.sides[0].expiry.size + this.sides[1].expiry.size;
  }

  private compactIfSparse(): void {
    const held = this.sides[0].chains.keysHeld + this.sides[1].chains.keysHeld;
    if (this.mapper.size > COMPACT_MIN_KEYS && this.mapper.size > 2 * held) this.compactKeys();
  }

  /** Renumbers the keys that still hold rows, so ids of keys long gone do not pile up. */
  private compactKeys(): void {
    const old = this.mapper;
    const fresh = old.emptyCopy();
    const renumber = new Int32Array(old.size).fill(-1);
    for (const side of this.sides) {
      for (const slot of side.store.slots()) {
        const key = side.store.key(slot) as number;
        let id = renumber[key]!;
        if (id < 0) renumber[key] = id = fresh.idOf(old.values(key));
        side.store.setKey(slot, id);
      }
    }
    for (const side of this.sides) side.chains.renumber(renumber, fresh.size);
    this.mapper = fresh;
  }

  snapshot(): RegularJoinSnapshot {
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    const rows = (side: Side): KeptRow[] => {
      const until = new Map<number, number>();
      side.expiry.forEach((time, slot, tag) => {
        if (this.ttlMs === undefined || side.serials[slot] === tag) until.set(slot, time);
      });
      return side.store
        .slots()
        .sort((a, b) => side.serials[a]! - side.serials[b]!)
        .map((slot) => {
          const row = side.store.row(slot);
          const u = until.get(slot);
          return { ...row, key: this.mapper.values(row.key as number), matchCount: side.matches[slot]!, ...(u === undefined ? {} : { until: u }) };
        });
    };
    return { watermarks: [finite(this.sides[0].watermark), finite(this.sides[1].watermark)], rows: [rows(this.sides[0]), rows(this.sides[1])] };
  }

  restore(state: unknown): void {
    const snap = state as RegularJoinSnapshot;
    this.onClose();
    this.sides.forEach((side, i) => {
      side.watermark = snap.watermarks[i] ?? -Infinity;
      const slots: number[] = [];
      const untils: number[] = [];
      const serials: number[] = [];
      for (const row of snap.rows[i] ?? []) {
        const id = this.mapper.idOf(row.key as readonly KeyValue[]);
        const slot = side.store.restoreRow(row, id);
        if (side.matches.length <= slot) side.matches = grownCounts(side.matches, slot + 1);
        if (side.serials.length <= slot) side.serials = grownTimes(side.serials, slot + 1);
        side.matches[slot] = row.matchCount;
        side.chains.add(id, slot);
        const serial = this.nextSerial++;
        side.serials[slot] = serial;
        if (this.ttlMs !== undefined) {
          side.arrivals.push(slot);
          side.arrivalSerials.push(serial);
        }
        if (typeof row.until === 'number' && side.until.length > 0) {
          slots.push(slot);
          untils.push(row.until);
          serials.push(serial);
        }
      }
      side.expiry.add(Int32Array.from(slots), Float64Array.from(untils), this.ttlMs === undefined ? null : Float64Array.from(serials));
    });
  }

  onClose(): void {
    for (const side of this.sides) this.clearSide(side);
    this.mapper = this.mapper.emptyCopy();
  }

  /** Lets go of every row of a side, and of the room they took. */
  private clearSide(side: Side): void {
    side.store.clear();
    side.chains.clear();
    side.expiry.clear();
    side.matches = new Int32Array(64);
    side.serials = new Float64Array(64);
    side.arrivals = [];
    side.arrivalSerials = [];
    side.first = 0;
  }
}

/** Each row's `until`: the earliest of the expressions' values; NaN where any is NULL (the row can match nothing). */
function untilOf(exprs: readonly CompiledExpr[], view: BatchView, n: number): Float64Array {
  const out = new Float64Array(n).fill(Infinity);
  for (const e of exprs) {
    const col = e.evaluate(view);
    const values = col.values as Float64Array;
    const valid = col.valid;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) out[i] = NaN;
      else if (values[i]! < out[i]!) out[i] = values[i]!;
    }
  }
  return out;
}

/** Checks a side's expiry against the other side's columns, naming what does not fit. */
function validateExpiry(what: 'left' | 'right', expiry: JoinRowExpiry | undefined, other: readonly ColumnSchema[]): void {
  if (expiry === undefined) return;
  if (expiry.until.length === 0) throw new EddyError('ValidationException', `a regular join's ${what} expiry needs at least one until expression`);
  for (const e of expiry.until) if (e.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `a regular join's ${what} expiry must be a TIMESTAMP, got ${e.type}`);
  if (other[expiry.otherTime]?.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `a regular join's ${what} expiry names column ${expiry.otherTime} of the other side, which is no TIMESTAMP column`);
}

function grownCounts(counts: Int32Array, size: number): Int32Array {
  const out = new Int32Array(Math.max(size, counts.length * 2));
  out.set(counts);
  return out;
}

function grownTimes(times: Float64Array, size: number): Float64Array {
  const out = new Float64Array(Math.max(size, times.length * 2));
  out.set(times);
  return out;
}
