// The regular join: two streams joined on keys with no bound in time. Every row is kept, by key, and each
// new row is joined with the other side's rows of its key that the rest of the condition holds for;
// every match is emitted once (+I). An outer side's row that has no match is emitted with NULLs (+I) as
// it arrives, and withdrawn (-D) just before the row of its first match, so outer joins emit a changelog
// whose rows, applied in order, are the join of everything seen. Rows stay until the query's state bound,
// or for the state time-to-live of the query clock, after which they are forgotten without a trace.
import type { RecordBatch } from 'apache-arrow';
import type { RegularJoinNode } from '../plan/join.js';
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
  /** Slots in the order they arrived, with the clock time they arrived at (for the time-to-live). */
  arrivals: number[];
  arrivedAt: number[];
  /** Where the live part of `arrivals` begins. */
  first: number;
  watermark: number;
}

/** A kept row as a snapshot holds it: the row (its time is when it arrived, by the clock) and its match count. */
interface KeptRow extends StoredRow {
  readonly matchCount: number;
}

interface RegularJoinSnapshot {
  readonly watermarks: readonly [number | null, number | null];
  /** Each side's rows, in the order they arrived. */
  readonly rows: readonly [readonly KeptRow[], readonly KeptRow[]];
}

/** Key ids are renumbered once more than this many are assigned and at most half of them hold rows. */
const COMPACT_MIN_KEYS = 4096;

export class RegularJoin implements TwoInputOperator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly snapshotVersion = 1;
  private readonly sides: readonly [Side, Side];
  private mapper: KeyMapper;
  private readonly ttlMs: number | undefined;
  private readonly emitter: JoinEmitter;
  private readonly pairs = new SlotPairs();
  private readonly limit: StateKeyLimit;

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
    const side = (columns: readonly ColumnSchema[], keys: RegularJoinNode['leftKeys'], kept: readonly boolean[], outer: boolean): Side => {
      const types = columns.map((c) => c.type);
      return {
        types,
        keys: keys.map((k) => compileExpr(k, { ...context, inputTypes: types })),
        utf8Key: utf8KeyColumn(keys),
        store: new RowStore(types, kept),
        chains: new SlotChains(),
        outer,
        matches: new Int32Array(64),
        arrivals: [],
        arrivedAt: [],
        first: 0,
        watermark: -Infinity,
      };
    };
    this.sides = [side(left, node.leftKeys, this.emitter.leftKept, t === 'left' || t === 'full'), side(right, node.rightKeys, this.emitter.rightKept, t === 'right' || t === 'full')];
    this.mapper = new KeyMapper(node.leftKeys.map((k) => k.type));
    this.limit = new StateKeyLimit(context.maxStateKeys ?? DEFAULT_MAX_STATE_KEYS, joinStateText('join', node, left, right));
  }

  generatedCode(): readonly GeneratedCode[] {
    const keys = this.sides.flatMap((s, i) => s.keys.flatMap((k, j) => (k.source === '' ? [] : [{ what: `${i === 0 ? 'left' : 'right'} key ${j + 1}`, params: EXPRESSION_PARAMS, body: k.source }])));
    return [...keys, ...this.emitter.generatedCode()];
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
    const rows = new Int32Array(n);
    let count = 0;
    const alone: number[] = [];
    for (let i = 0; i < n; i++) {
      // A NULL key matches nothing: the row stands alone for good (in an outer side's result).
      if (nulls !== null && nulls[i] === 1) {
        if (me.outer) alone.push(i);
      } else rows[count++] = i;
    }
    const arrived = new Float64Array(n).fill(now);
    const slots = me.store.addRows(columns, rows, count, arrived, ids);
    let highest = -1;
    for (const slot of slots) if (slot > highest) highest = slot;
    if (me.matches.length <= highest) me.matches = grownCounts(me.matches, highest + 1);
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
      me.arrivals.push(slot);
      me.arrivedAt.push(now);
    }
    pairs.clear();
    if (alone.length > 0) {
      const aloneSlots = me.store.addRows(columns, Int32Array.from(alone), alone.length, arrived, ids);
      for (const slot of aloneSlots) {
        out_.push(s === 0 ? slot : -1, s === 0 ? -1 : slot);
        kinds.push(INSERT);
      }
      this.emit(out_, kinds, out);
      for (const slot of aloneSlots) me.store.release(slot);
    } else this.emit(out_, kinds, out);
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
    if (watermarkMs > me.watermark) me.watermark = watermarkMs;
    this.expire(ctx.clock.now());
    return Math.min(this.sides[0].watermark, this.sides[1].watermark);
  }

  /** Forgets the rows that arrived more than the time-to-live ago, on both sides. */
  private expire(now: number): void {
    const ttl = this.ttlMs;
    if (ttl === undefined) return;
    for (const side of this.sides) {
      while (side.first < side.arrivals.length && side.arrivedAt[side.first]! + ttl <= now) {
        const slot = side.arrivals[side.first]!;
        side.first++;
        side.chains.remove(side.store.key(slot) as number, slot);
        side.store.release(slot);
      }
      // The arrival lists drop their expired part once it is most of them.
      if (side.first > 1024 && side.first * 2 > side.arrivals.length) {
        side.arrivals = side.arrivals.slice(side.first);
        side.arrivedAt = side.arrivedAt.slice(side.first);
        side.first = 0;
      }
    }
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
    const rows = (side: Side): KeptRow[] =>
      side.arrivals.slice(side.first).map((slot, i) => {
        const row = side.store.row(slot);
        return { ...row, time: side.arrivedAt[side.first + i]!, key: this.mapper.values(row.key as number), matchCount: side.matches[slot]! };
      });
    return { watermarks: [finite(this.sides[0].watermark), finite(this.sides[1].watermark)], rows: [rows(this.sides[0]), rows(this.sides[1])] };
  }

  restore(state: unknown): void {
    const snap = state as RegularJoinSnapshot;
    this.onClose();
    this.sides.forEach((side, i) => {
      side.watermark = snap.watermarks[i] ?? -Infinity;
      for (const row of snap.rows[i] ?? []) {
        const id = this.mapper.idOf(row.key as readonly KeyValue[]);
        const slot = side.store.restoreRow(row, id);
        if (side.matches.length <= slot) side.matches = grownCounts(side.matches, slot + 1);
        side.matches[slot] = row.matchCount;
        side.chains.add(id, slot);
        side.arrivals.push(slot);
        side.arrivedAt.push(row.time);
      }
    });
  }

  onClose(): void {
    for (const side of this.sides) {
      side.store.clear();
      side.chains.clear();
      side.arrivals = [];
      side.arrivedAt = [];
      side.first = 0;
    }
    this.mapper = this.mapper.emptyCopy();
  }
}

function grownCounts(counts: Int32Array, size: number): Int32Array {
  const out = new Int32Array(Math.max(size, counts.length * 2));
  out.set(counts);
  return out;
}
