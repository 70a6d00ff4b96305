// The interval join: rows of two streams match on their keys when the right row's time lies within
// [left time + lower, left time + upper]. Each side keeps its rows until the other side's watermark
// rules out any further match (left rows until right watermark > time + upper, right rows until left
// watermark > time - lower); then they go, and the unmatched rows of an outer side are emitted with NULLs.
// Every pair is found once, by the second of its two rows to arrive, against the rows the other side
// keeps, so the result does not depend on how rows are batched.
import type { RecordBatch } from 'apache-arrow';
import type { IntervalJoinNode } from '../plan/join.js';
import { MAX_JOIN_INTERVAL_MS } from '../plan/join.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { DataType } from '../plan/expr.js';
import { BatchView } from '../batch/batch-view.js';
import type { Column } from '../batch/column.js';
import type { CompiledExpr, ExprContext } from '../expr/compile-expr.js';
import { compileExpr, EXPRESSION_PARAMS } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import type { Collector, GeneratedCode, OperatorContext } from './operator.js';
import type { InputSide, TwoInputOperator } from './two-input-operator.js';
import { JoinEmitter, SlotPairs } from './join-output.js';
import { RowStore, SlotChains, TimeHeap, type StoredRow } from './join-rows.js';
import { KeyMapper, type KeyValue } from './key-mapper.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';
import { joinStateText, validateJoinKeys } from './join-validation.js';

/** Key ids are renumbered once more than this many are assigned and at most half of them still hold rows. */
const COMPACT_MIN_KEYS = 4096;

interface Side {
  readonly types: readonly DataType[];
  readonly time: number;
  readonly keys: readonly CompiledExpr[];
  /** For a key that is one VARCHAR column as it is: its index, so ids come from its UTF-8 bytes without decoding them. */
  readonly utf8Key: number | undefined;
  readonly store: RowStore;
  /** The side's rows of each key id. */
  readonly chains: SlotChains;
  readonly heap: TimeHeap;
  /** Whether this side's unmatched rows are emitted (it is an outer side). */
  readonly outer: boolean;
  watermark: number;
}

interface IntervalJoinSnapshot {
  readonly watermarks: readonly [number | null, number | null];
  readonly output: number | null;
  readonly rows: readonly [readonly StoredRow[], readonly StoredRow[]];
}

export class IntervalJoin implements TwoInputOperator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly snapshotVersion = 1;
  private readonly sides: readonly [Side, Side];
  /** Both sides' keys as dense ids (the sides' key types agree). */
  private mapper: KeyMapper;
  private readonly lowerMs: number;
  private readonly upperMs: number;
  /** How far the output watermark trails the inputs': no row emitted later can be older than it. */
  private readonly holdMs: number;
  private outputWatermark = -Infinity;
  private readonly emitter: JoinEmitter;
  private readonly pairs = new SlotPairs();
  private readonly limit: StateKeyLimit;

  constructor(
    node: IntervalJoinNode,
    left: readonly ColumnSchema[],
    right: readonly ColumnSchema[],
    context: ExprContext & { readonly maxStateKeys?: number } = {},
    used?: ReadonlySet<number>,
  ) {
    validateJoinKeys(node, left, right);
    for (const [what, ms] of [['lower', node.lowerMs], ['upper', node.upperMs]] as const) {
      if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_JOIN_INTERVAL_MS) {
        throw new EddyError('ValidationException', `interval join ${what} bound must be a whole number of milliseconds within ±${MAX_JOIN_INTERVAL_MS}, got ${ms}`);
      }
    }
    if (node.lowerMs > node.upperMs) throw new EddyError('ValidationException', `interval join lower bound ${node.lowerMs} ms is above its upper bound ${node.upperMs} ms`);
    for (const [what, columns, index] of [['left', left, node.leftTime], ['right', right, node.rightTime]] as const) {
      if (columns[index]?.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `interval join ${what} time column ${index} must be a TIMESTAMP column`);
    }
    this.lowerMs = node.lowerMs;
    this.upperMs = node.upperMs;
    this.holdMs = Math.max(0, node.upperMs, -node.lowerMs);
    this.emitter = new JoinEmitter(left, right, node.condition, used, context);
    this.outputColumns = this.emitter.outputColumns;
    const side = (columns: readonly ColumnSchema[], time: number, keys: IntervalJoinNode['leftKeys'], kept: readonly boolean[], outer: boolean): Side => {
      const types = columns.map((c) => c.type);
      return {
        types,
        time,
        keys: keys.map((k) => compileExpr(k, { ...context, inputTypes: types })),
        utf8Key: keys.length === 1 && keys[0]!.kind === 'column' && keys[0]!.type === 'VARCHAR' ? keys[0]!.index : undefined,
        store: new RowStore(types, kept),
        chains: new SlotChains(),
        heap: new TimeHeap(),
        outer,
        watermark: -Infinity,
      };
    };
    const t = node.joinType;
    this.sides = [
      side(left, node.leftTime, node.leftKeys, this.emitter.leftKept, t === 'left' || t === 'full'),
      side(right, node.rightTime, node.rightKeys, this.emitter.rightKept, t === 'right' || t === 'full'),
    ];
    this.mapper = new KeyMapper(node.leftKeys.map((k) => k.type));
    this.limit = new StateKeyLimit(context.maxStateKeys ?? DEFAULT_MAX_STATE_KEYS, joinStateText('interval join', node, left, right));
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
    const me = this.sides[s];
    const other = this.sides[1 - s]!;
    const view = new BatchView(batch, me.types);
    const time = view.column(me.time);
    const times = time.values as Float64Array;
    const { ids, nulls } = this.keyIds(me, batch, view);
    const columns: (Column | null)[] = me.types.map((_, c) => (me.store.kept[c] ? view.column(c) : null));
    // First which rows to keep, then all of them copied in column by column, then each one matched.
    const rows = new Int32Array(n);
    let count = 0;
    const alone: number[] = [];
    for (let i = 0; i < n; i++) {
      const noTime = time.valid !== null && time.valid[i] === 0;
      if (!noTime && times[i]! < me.watermark) {
        ctx.metrics.lateRows++;
        continue;
      }
      // No time, no interval; a NULL key matches nothing: such a row stands alone (in an outer side's result).
      if (noTime || (nulls !== null && nulls[i] === 1)) {
        if (me.outer) alone.push(i);
        continue;
      }
      rows[count++] = i;
    }
    const slots = me.store.addRows(columns, rows, count, times, ids);
    const lower = this.lowerMs;
    const upper = this.upperMs;
    const pairs = this.pairs;
    const otherStore = other.store;
    const otherChains = other.chains;
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      const slot = slots[k]!;
      const id = ids[i]!;
      const t = times[i]!;
      for (let o = otherChains.first(id); o !== -1; o = otherChains.next(o)) {
        // right time - left time, whichever side this row is on
        const d = s === 0 ? otherStore.time(o) - t : t - otherStore.time(o);
        if (d >= lower && d <= upper) {
          if (s === 0) pairs.push(slot, o);
          else pairs.push(o, slot);
        }
      }
      me.chains.add(id, slot);
      me.heap.push(t, slot);
    }
    const [left, right] = this.sides;
    if (pairs.count > 0) this.emitter.matchAndEmit(pairs, left.store, right.store, out);
    if (alone.length > 0) {
      const aloneSlots = me.store.addRows(columns, Int32Array.from(alone), alone.length, times, ids);
      for (const slot of aloneSlots) pairs.push(s === 0 ? slot : -1, s === 0 ? -1 : slot);
      this.emitter.emit(pairs, left.store, right.store, out);
      for (const slot of aloneSlots) me.store.release(slot);
    }
    // A row the other side's watermark has already passed the range of has all its matches now.
    this.evict(s, out);
    this.limit.check(this.stateEntries());
  }

  /** Each row's key id, and which rows' keys are NULL (matching nothing); null when none is. */
  private keyIds(side: Side, batch: RecordBatch, view: BatchView): { ids: Int32Array; nulls: Uint8Array | null } {
    const n = batch.numRows;
    const ids = new Int32Array(n);
    const data = side.utf8Key === undefined ? undefined : batch.data.children[side.utf8Key];
    if (data !== undefined && data.offset === 0 && this.mapper.acceptsUtf8) {
      const bitmap = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0 ? data.nullBitmap : null;
      this.mapper.assignUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, bitmap, n, ids);
      if (bitmap === null) return { ids, nulls: null };
      const nulls = new Uint8Array(n);
      for (let i = 0; i < n; i++) nulls[i] = ((bitmap[i >> 3]! >> (i & 7)) & 1) ^ 1;
      return { ids, nulls };
    }
    const columns = side.keys.map((k) => k.evaluate(view));
    this.mapper.assign(columns, n, ids);
    let nulls: Uint8Array | null = null;
    for (const col of columns) {
      if (col.valid === null) continue;
      nulls ??= new Uint8Array(n);
      for (let i = 0; i < n; i++) if (col.valid[i] === 0) nulls[i] = 1;
    }
    return { ids, nulls };
  }

  onSideWatermark(s: InputSide, watermarkMs: number, _ctx: OperatorContext, out: Collector): number {
    const me = this.sides[s];
    if (watermarkMs > me.watermark) {
      me.watermark = watermarkMs;
      // This side's watermark lets go of the other side's rows.
      this.evict((1 - s) as InputSide, out);
    }
    const combined = Math.min(this.sides[0].watermark, this.sides[1].watermark) - this.holdMs;
    if (combined > this.outputWatermark) this.outputWatermark = combined;
    return this.outputWatermark;
  }

  /** Lets go of side `s`'s rows that no row of the other side can match any more, emitting the unmatched of an outer side. */
  private evict(s: InputSide, out: Collector): void {
    const me = this.sides[s];
    const other = this.sides[1 - s]!;
    // A left row (time l) can meet right rows up to l + upper; a right row (time r), left rows from r - lower.
    const threshold = s === 0 ? other.watermark - this.upperMs : other.watermark + this.lowerMs;
    if (!(me.heap.peekTime() < threshold)) return;
    const gone: number[] = [];
    while (me.heap.peekTime() < threshold) {
      const slot = me.heap.pop();
      gone.push(slot);
      me.chains.remove(me.store.key(slot) as number, slot);
      if (me.outer && !me.store.matched(slot)) this.pairs.push(s === 0 ? slot : -1, s === 0 ? -1 : slot);
    }
    if (this.pairs.count > 0) this.emitter.emit(this.pairs, this.sides[0].store, this.sides[1].store, out);
    for (const slot of gone) me.store.release(slot);
    // Keys held on either side number at most the sum of both sides' counts.
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

  snapshot(): IntervalJoinSnapshot {
    const rows = (side: Side) =>
      side.store.slots().map((slot) => {
        const row = side.store.row(slot);
        return { ...row, key: this.mapper.values(row.key as number) };
      });
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    return {
      watermarks: [finite(this.sides[0].watermark), finite(this.sides[1].watermark)],
      output: finite(this.outputWatermark),
      rows: [rows(this.sides[0]), rows(this.sides[1])],
    };
  }

  restore(state: unknown): void {
    const snap = state as IntervalJoinSnapshot;
    this.onClose();
    this.sides.forEach((side, i) => {
      side.watermark = snap.watermarks[i] ?? -Infinity;
      for (const row of snap.rows[i] ?? []) {
        const id = this.mapper.idOf(row.key as readonly KeyValue[]);
        const slot = side.store.restoreRow(row, id);
        side.chains.add(id, slot);
        side.heap.push(row.time, slot);
      }
    });
    this.outputWatermark = snap.output ?? -Infinity;
  }

  onClose(): void {
    this.mapper = this.mapper.emptyCopy();
    for (const side of this.sides) {
      side.store.clear();
      side.chains.clear();
      side.heap.clear();
    }
  }
}
