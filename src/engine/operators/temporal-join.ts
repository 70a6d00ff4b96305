// The temporal join: a stream joined with a table kept from another stream, by event time. The right
// input's rows are versions of the table's rows (one per primary key at each time); each left row waits
// until the watermark, the smaller of the two inputs', is past its time, so that every version that could
// apply to it has arrived, and is then joined with the version of its key current at its time (the
// latest at or before it). Versions older than the one current at the watermark can apply to no row still
// to come, and go.
import type { RecordBatch } from 'apache-arrow';
import type { TemporalJoinNode } from '../plan/join.js';
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
import { RowStore, TimeHeap, type StoredRow } from './join-rows.js';
import { keyIds, utf8KeyColumn } from './join-keys.js';
import { KeyMapper, type KeyValue } from './key-mapper.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';
import { joinStateText, validateJoinKeys } from './join-validation.js';

interface Side {
  readonly types: readonly DataType[];
  readonly time: number;
  readonly keys: readonly CompiledExpr[];
  readonly utf8Key: number | undefined;
  readonly store: RowStore;
  watermark: number;
}

interface TemporalJoinSnapshot {
  readonly watermarks: readonly [number | null, number | null];
  readonly output: number | null;
  /** Left rows waiting for the watermark, and versions of the table, each with its key's values. */
  readonly rows: readonly [readonly StoredRow[], readonly StoredRow[]];
}

/** Key ids are renumbered once more than this many are assigned and at most half of them are in use. */
const COMPACT_MIN_KEYS = 4096;

export class TemporalJoin implements TwoInputOperator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly snapshotVersion = 1;
  private readonly sides: readonly [Side, Side];
  private readonly left: boolean;
  private mapper: KeyMapper;
  /** Per key id, the slots of its versions, oldest first. */
  private versions: (number[] | undefined)[] = [];
  /** Keys with more than one version: the ones the watermark may let versions of go. */
  private readonly several = new Set<number>();
  /** Left rows waiting for the watermark, by time. */
  private readonly waiting = new TimeHeap();
  private output = -Infinity;
  private readonly emitter: JoinEmitter;
  private readonly pairs = new SlotPairs();
  private readonly limit: StateKeyLimit;

  constructor(
    node: TemporalJoinNode,
    left: readonly ColumnSchema[],
    right: readonly ColumnSchema[],
    context: ExprContext & { readonly maxStateKeys?: number } = {},
    used?: ReadonlySet<number>,
  ) {
    if (node.joinType !== 'inner' && node.joinType !== 'left') throw new EddyError('ValidationException', `a temporal join is INNER or LEFT, not ${JSON.stringify(node.joinType)}`);
    validateJoinKeys(node, left, right);
    if (node.leftKeys.length === 0) throw new EddyError('ValidationException', 'a temporal join needs the table\'s primary key as its keys');
    for (const [what, columns, index] of [['left', left, node.leftTime], ['right', right, node.rightTime]] as const) {
      if (columns[index]?.type !== 'TIMESTAMP') throw new EddyError('ValidationException', `temporal join ${what} time column ${index} must be a TIMESTAMP column`);
    }
    this.left = node.joinType === 'left';
    this.emitter = new JoinEmitter(left, right, node.condition, used, context);
    this.outputColumns = this.emitter.outputColumns;
    const side = (columns: readonly ColumnSchema[], time: number, keys: TemporalJoinNode['leftKeys'], kept: readonly boolean[]): Side => {
      const types = columns.map((c) => c.type);
      return { types, time, keys: keys.map((k) => compileExpr(k, { ...context, inputTypes: types })), utf8Key: utf8KeyColumn(keys), store: new RowStore(types, kept), watermark: -Infinity };
    };
    this.sides = [side(left, node.leftTime, node.leftKeys, this.emitter.leftKept), side(right, node.rightTime, node.rightKeys, this.emitter.rightKept)];
    this.mapper = new KeyMapper(node.leftKeys.map((k) => k.type));
    this.limit = new StateKeyLimit(context.maxStateKeys ?? DEFAULT_MAX_STATE_KEYS, joinStateText('temporal join', { ...node, joinType: node.joinType }, left, right));
  }

  generatedCode(): readonly GeneratedCode[] {
    const keys = this.sides.flatMap((s, i) => s.keys.flatMap((k, j) => (k.source === '' ? [] : [{ what: `${i === 0 ? 'left' : 'right'} key ${j + 1}`, params: EXPRESSION_PARAMS, body: k.source }])));
    return [...keys, ...this.emitter.generatedCode()];
  }

  /** Left rows waiting and versions kept. */
  stateEntries(): number {
    return this.sides[0].store.size + this.sides[1].store.size;
  }

  processSide(s: InputSide, batch: RecordBatch, ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const me = this.sides[s];
    const view = new BatchView(batch, me.types);
    const time = view.column(me.time);
    const times = time.values as Float64Array;
    const { ids, nulls } = keyIds(this.mapper, me.keys, me.utf8Key, batch, view);
    const columns: (Column | null)[] = me.types.map((_, c) => (me.store.kept[c] ? view.column(c) : null));
    const rows = new Int32Array(n);
    let count = 0;
    const alone: number[] = [];
    for (let i = 0; i < n; i++) {
      const noTime = time.valid !== null && time.valid[i] === 0;
      if (!noTime && times[i]! < me.watermark) {
        ctx.metrics.lateRows++;
        continue;
      }
      if (noTime || (nulls !== null && nulls[i] === 1)) {
        // A row without a time or key finds no version (and a version without them is none).
        if (s === 0 && this.left) alone.push(i);
        continue;
      }
      rows[count++] = i;
    }
    const slots = me.store.addRows(columns, rows, count, times, ids);
    if (s === 0) {
      for (let k = 0; k < count; k++) this.waiting.push(times[rows[k]!]!, slots[k]!);
    } else {
      for (let k = 0; k < count; k++) this.addVersion(ids[rows[k]!]!, slots[k]!);
    }
    if (alone.length > 0) {
      const aloneSlots = me.store.addRows(columns, Int32Array.from(alone), alone.length, times, ids);
      for (const slot of aloneSlots) this.pairs.push(slot, -1);
      this.emitter.emit(this.pairs, me.store, this.sides[1].store, out);
      for (const slot of aloneSlots) me.store.release(slot);
    }
    this.limit.check(this.stateEntries());
  }

  /** Adds a version in time order; a version at the same time as one kept replaces it. */
  private addVersion(id: number, slot: number): void {
    const store = this.sides[1].store;
    const t = store.time(slot);
    let list = this.versions[id];
    if (list === undefined) this.versions[id] = list = [];
    let at = list.length;
    while (at > 0 && store.time(list[at - 1]!) > t) at--;
    if (at > 0 && store.time(list[at - 1]!) === t) {
      store.release(list[at - 1]!);
      list[at - 1] = slot;
    } else list.splice(at, 0, slot);
    if (list.length > 1) this.several.add(id);
  }

  onSideWatermark(s: InputSide, watermarkMs: number, _ctx: OperatorContext, out: Collector): number {
    const me = this.sides[s];
    if (watermarkMs > me.watermark) me.watermark = watermarkMs;
    const combined = Math.min(this.sides[0].watermark, this.sides[1].watermark);
    if (combined > this.output) {
      this.emitUpTo(combined, out);
      this.dropOldVersions(combined);
      this.output = combined;
    }
    return this.output;
  }

  /** Joins and emits the left rows whose time the watermark is past, oldest first. */
  private emitUpTo(watermark: number, out: Collector): void {
    if (!(this.waiting.peekTime() < watermark)) return;
    const [left, right] = this.sides;
    const done: number[] = [];
    const pairs = this.pairs;
    while (this.waiting.peekTime() < watermark) {
      const slot = this.waiting.pop();
      done.push(slot);
      const version = this.versionAt(left.store.key(slot) as number, left.store.time(slot));
      if (version >= 0) pairs.push(slot, version);
    }
    if (pairs.count > 0) this.emitter.matchAndEmit(pairs, left.store, right.store, out);
    if (this.left) {
      for (const slot of done) if (!left.store.matched(slot)) pairs.push(slot, -1);
      if (pairs.count > 0) this.emitter.emit(pairs, left.store, right.store, out);
    }
    for (const slot of done) left.store.release(slot);
  }

  /** The slot of the key's latest version at or before `time`; -1 when it has none. */
  private versionAt(id: number, time: number): number {
    const list = this.versions[id];
    if (list === undefined) return -1;
    const store = this.sides[1].store;
    let found = -1;
    for (let i = list.length - 1; i >= 0; i--) {
      if (store.time(list[i]!) <= time) {
        found = list[i]!;
        break;
      }
    }
    return found;
  }

  /** Lets go of versions older than the one each key has at the watermark: every row still to come is later. */
  private dropOldVersions(watermark: number): void {
    const store = this.sides[1].store;
    for (const id of this.several) {
      const list = this.versions[id]!;
      let current = -1;
      for (let i = list.length - 1; i >= 0; i--) {
        if (store.time(list[i]!) <= watermark) {
          current = i;
          break;
        }
      }
      if (current > 0) {
        for (const slot of list.splice(0, current)) store.release(slot);
      }
      if (list.length <= 1) this.several.delete(id);
    }
    const inUse = this.sides[0].store.size + this.sides[1].store.size;
    if (this.mapper.size > COMPACT_MIN_KEYS && this.mapper.size > 2 * inUse) this.compactKeys();
  }

  /** Renumbers the keys still in use, so ids of keys long gone do not pile up. */
  private compactKeys(): void {
    const old = this.mapper;
    const fresh = old.emptyCopy();
    const renumber = new Int32Array(old.size).fill(-1);
    const idOf = (key: number): number => {
      let id = renumber[key]!;
      if (id < 0) renumber[key] = id = fresh.idOf(old.values(key));
      return id;
    };
    for (const side of this.sides) for (const slot of side.store.slots()) side.store.setKey(slot, idOf(side.store.key(slot) as number));
    const versions: (number[] | undefined)[] = [];
    this.versions.forEach((list, key) => {
      if (list !== undefined && list.length > 0) versions[renumber[key]!] = list;
    });
    const several = [...this.several].map((key) => renumber[key]!);
    this.several.clear();
    for (const id of several) this.several.add(id);
    this.versions = versions;
    this.mapper = fresh;
  }

  snapshot(): TemporalJoinSnapshot {
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    const rows = (side: Side) =>
      side.store.slots().map((slot) => {
        const row = side.store.row(slot);
        return { ...row, key: this.mapper.values(row.key as number) };
      });
    return { watermarks: [finite(this.sides[0].watermark), finite(this.sides[1].watermark)], output: finite(this.output), rows: [rows(this.sides[0]), rows(this.sides[1])] };
  }

  restore(state: unknown): void {
    const snap = state as TemporalJoinSnapshot;
    this.onClose();
    this.sides.forEach((side, i) => {
      side.watermark = snap.watermarks[i] ?? -Infinity;
      for (const row of snap.rows[i] ?? []) {
        const id = this.mapper.idOf(row.key as readonly KeyValue[]);
        const slot = side.store.restoreRow(row, id);
        if (i === 0) this.waiting.push(row.time, slot);
        else this.addVersion(id, slot);
      }
    });
    this.output = snap.output ?? -Infinity;
  }

  onClose(): void {
    for (const side of this.sides) side.store.clear();
    this.versions = [];
    this.several.clear();
    this.waiting.clear();
    this.mapper = this.mapper.emptyCopy();
  }
}
