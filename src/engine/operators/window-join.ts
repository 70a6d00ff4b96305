// The window join: rows of two windowed streams (each with window_start and window_end columns from a
// window table) are kept by window until the watermark (the smaller of the two inputs') passes the
// window's end; then the window's rows are joined on their keys, the matching pairs emitted, and the
// unmatched rows of an outer side emitted with NULLs. A row whose window has already been emitted is late.
import type { RecordBatch } from 'apache-arrow';
import type { WindowJoinNode } from '../plan/join.js';
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
import { joinKeys, RowStore, type JoinKey, type StoredRow } from './join-rows.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit } from './state-key-limit.js';
import { joinStateText, validateJoinKeys } from './join-validation.js';

interface Side {
  readonly types: readonly DataType[];
  readonly window: { readonly start: number; readonly end: number };
  readonly keys: readonly CompiledExpr[];
  readonly store: RowStore;
  readonly outer: boolean;
  watermark: number;
}

interface OpenWindow {
  readonly start: number;
  readonly end: number;
  /** Slots of each side's rows in this window. */
  readonly rows: readonly [number[], number[]];
}

interface WindowJoinSnapshot {
  readonly watermarks: readonly [number | null, number | null];
  readonly emitted: number | null;
  readonly windows: readonly { readonly start: number; readonly end: number; readonly rows: readonly [readonly StoredRow[], readonly StoredRow[]] }[];
}

export class WindowJoin implements TwoInputOperator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly snapshotVersion = 1;
  private readonly sides: readonly [Side, Side];
  private readonly windows = new Map<string, OpenWindow>();
  /** Windows ending at or before this have been emitted. */
  private emitted = -Infinity;
  private readonly emitter: JoinEmitter;
  private readonly pairs = new SlotPairs();
  private readonly limit: StateKeyLimit;

  constructor(
    node: WindowJoinNode,
    left: readonly ColumnSchema[],
    right: readonly ColumnSchema[],
    context: ExprContext & { readonly maxStateKeys?: number } = {},
    used?: ReadonlySet<number>,
  ) {
    validateJoinKeys(node, left, right);
    for (const [what, columns, w] of [['left', left, node.leftWindow], ['right', right, node.rightWindow]] as const) {
      if (columns[w.start]?.type !== 'TIMESTAMP' || columns[w.end]?.type !== 'TIMESTAMP') {
        throw new EddyError('ValidationException', `window join ${what} window columns ${w.start} and ${w.end} must be TIMESTAMP columns`);
      }
    }
    this.emitter = new JoinEmitter(left, right, node.condition, used, context);
    this.outputColumns = this.emitter.outputColumns;
    const side = (columns: readonly ColumnSchema[], window: Side['window'], keys: WindowJoinNode['leftKeys'], kept: readonly boolean[], outer: boolean): Side => {
      const types = columns.map((c) => c.type);
      return { types, window, keys: keys.map((k) => compileExpr(k, { ...context, inputTypes: types })), store: new RowStore(types, kept), outer, watermark: -Infinity };
    };
    const t = node.joinType;
    this.sides = [
      side(left, node.leftWindow, node.leftKeys, this.emitter.leftKept, t === 'left' || t === 'full'),
      side(right, node.rightWindow, node.rightKeys, this.emitter.rightKept, t === 'right' || t === 'full'),
    ];
    this.limit = new StateKeyLimit(context.maxStateKeys ?? DEFAULT_MAX_STATE_KEYS, joinStateText('window join', node, left, right));
  }

  generatedCode(): readonly GeneratedCode[] {
    const keys = this.sides.flatMap((s, i) => s.keys.flatMap((k, j) => (k.source === '' ? [] : [{ what: `${i === 0 ? 'left' : 'right'} key ${j + 1}`, params: EXPRESSION_PARAMS, body: k.source }])));
    return [...keys, ...this.emitter.generatedCode()];
  }

  /** Rows kept on both sides. */
  stateEntries(): number {
    return this.sides[0].store.size + this.sides[1].store.size;
  }

  processSide(s: InputSide, batch: RecordBatch, ctx: OperatorContext, _out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const me = this.sides[s];
    const view = new BatchView(batch, me.types);
    const start = view.column(me.window.start);
    const end = view.column(me.window.end);
    const keys = joinKeys(
      me.keys.map((k) => k.evaluate(view)),
      n,
    );
    const columns: (Column | null)[] = me.types.map((_, c) => (me.store.kept[c] ? view.column(c) : null));
    const starts = start.values as Float64Array;
    const ends = end.values as Float64Array;
    const rows = new Int32Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if ((start.valid !== null && start.valid[i] === 0) || (end.valid !== null && end.valid[i] === 0)) continue;
      if (ends[i]! <= this.emitted) {
        ctx.metrics.lateRows++;
        continue;
      }
      // An inner side's row without a key can never be part of the result.
      if (keys[i] === null && !me.outer) continue;
      rows[count++] = i;
    }
    const slots = me.store.addRows(columns, rows, count, ends, keys);
    for (let k = 0; k < count; k++) {
      const i = rows[k]!;
      const e = ends[i]!;
      const b = starts[i]!;
      const id = `${e}:${b}`;
      let window = this.windows.get(id);
      if (window === undefined) this.windows.set(id, (window = { start: b, end: e, rows: [[], []] }));
      window.rows[s].push(slots[k]!);
    }
    this.limit.check(this.stateEntries());
  }

  onSideWatermark(s: InputSide, watermarkMs: number, _ctx: OperatorContext, out: Collector): number {
    const me = this.sides[s];
    if (watermarkMs > me.watermark) me.watermark = watermarkMs;
    const combined = Math.min(this.sides[0].watermark, this.sides[1].watermark);
    if (combined > this.emitted) {
      this.emitted = combined;
      const closing = [...this.windows.values()].filter((w) => w.end <= combined).sort((a, b) => a.end - b.end || a.start - b.start);
      for (const window of closing) this.close(window, out);
    }
    return this.emitted;
  }

  private close(window: OpenWindow, out: Collector): void {
    this.windows.delete(`${window.end}:${window.start}`);
    const [left, right] = this.sides;
    const [ls, rs] = window.rows;
    const byKey = new Map<string | number, number[]>();
    for (const slot of rs) {
      const key = right.store.key(slot);
      if (key === null) continue;
      const bucket = byKey.get(key);
      if (bucket) bucket.push(slot);
      else byKey.set(key, [slot]);
    }
    const pairs = this.pairs;
    for (const slot of ls) {
      const key = left.store.key(slot);
      const matches = key === null ? undefined : byKey.get(key);
      if (matches) for (const r of matches) pairs.push(slot, r);
    }
    if (pairs.count > 0) this.emitter.matchAndEmit(pairs, left.store, right.store, out);
    if (left.outer) for (const slot of ls) if (!left.store.matched(slot)) pairs.push(slot, -1);
    if (right.outer) for (const slot of rs) if (!right.store.matched(slot)) pairs.push(-1, slot);
    if (pairs.count > 0) this.emitter.emit(pairs, left.store, right.store, out);
    for (const slot of ls) left.store.release(slot);
    for (const slot of rs) right.store.release(slot);
  }

  snapshot(): WindowJoinSnapshot {
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    const [left, right] = this.sides;
    return {
      watermarks: [finite(left.watermark), finite(right.watermark)],
      emitted: finite(this.emitted),
      windows: [...this.windows.values()].map((w) => ({
        start: w.start,
        end: w.end,
        rows: [w.rows[0].map((slot) => left.store.row(slot)), w.rows[1].map((slot) => right.store.row(slot))],
      })),
    };
  }

  restore(state: unknown): void {
    const snap = state as WindowJoinSnapshot;
    this.onClose();
    this.sides.forEach((side, i) => (side.watermark = snap.watermarks[i] ?? -Infinity));
    this.emitted = snap.emitted ?? -Infinity;
    for (const w of snap.windows) {
      const rows: [number[], number[]] = [
        w.rows[0].map((row) => this.sides[0].store.restoreRow(row, row.key as JoinKey)),
        w.rows[1].map((row) => this.sides[1].store.restoreRow(row, row.key as JoinKey)),
      ];
      this.windows.set(`${w.end}:${w.start}`, { start: w.start, end: w.end, rows });
    }
  }

  onClose(): void {
    this.windows.clear();
    for (const side of this.sides) side.store.clear();
  }
}
