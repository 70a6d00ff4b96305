// GROUP BY without a window over a changelog (the result of another GROUP BY, say), as Flink aggregates
// one: +I and +U rows are added to their group, -U and -D rows taken out again. COUNT, SUM and AVG take a
// row out exactly (a count and a sum); MIN and MAX keep, per group, how many times each value is held (a
// multiset), so the extreme is known again when the current one is withdrawn. A group whose rows are all
// withdrawn is withdrawn itself (-D). After each batch it emits what changed, as GroupAggregate does.
// Bounded as a GROUP BY is: its groups plus the distinct values its multisets hold count against the
// query's state bound, and the query fails, naming the GROUP BY, when they would pass it.
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { AggregateCall, GroupAggregateNode } from '../plan/plan.js';
import { RETRACTING_AGGREGATES } from '../plan/changelog.js';
import type { DataType } from '../plan/expr.js';
import { BatchView } from '../batch/batch-view.js';
import { columnOfValues, columnToArrow, columnValue, type Column } from '../batch/column.js';
import { changelogBatch, changelogSchema, DELETE, INSERT, rowKindsOf, UPDATE_AFTER, UPDATE_BEFORE } from '../batch/row-kinds.js';
import { compileExpr, EXPRESSION_PARAMS, type CompiledExpr, type ExprContext } from '../expr/compile-expr.js';
import { EddyError } from '../errors.js';
import { arrowSchema, validateAggregates } from './aggregation.js';
import { integerMean } from './accumulators.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { DEFAULT_MAX_STATE_KEYS, groupByText, StateKeyLimit } from './state-key-limit.js';

type Value = string | number | null;


/** One aggregate's state in a group: non-NULL values and their sum, or (MIN, MAX) each value's multiplicity. */
interface AggState {
  count: number;
  sum: number;
  values: Map<string | number, number> | undefined;
}

interface Group {
  readonly key: readonly Value[];
  /** Rows added less rows taken out. */
  rows: number;
  readonly aggs: AggState[];
}

interface RetractingSnapshot {
  /** Per group: its key values, its row count, then per aggregate [count, sum] or [[value, times], …]. */
  readonly groups: readonly (readonly [readonly Value[], number, readonly unknown[]])[];
}

export class RetractingGroupAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  /** A form of its own: both this and GroupAggregate (1 and 2) run groupAggregate nodes, and neither reads the other's. */
  readonly snapshotVersion = 101;
  private readonly schema: Schema;
  private readonly inputTypes: readonly DataType[];
  private readonly keys: readonly CompiledExpr[];
  private readonly args: readonly (CompiledExpr | undefined)[];
  private readonly filters: readonly (CompiledExpr | undefined)[];
  private readonly calls: readonly AggregateCall[];
  private readonly groups = new Map<string, Group>();
  /** Distinct values held by all MIN and MAX multisets. */
  private heldValues = 0;
  private readonly limit: StateKeyLimit;

  constructor(node: GroupAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    validateAggregates(node.aggregates, node.keys, []);
    for (const a of node.aggregates) {
      if (!RETRACTING_AGGREGATES.includes(a.fn)) {
        throw new EddyError('ValidationException', `${a.fn} cannot take rows out again, so it cannot aggregate a changelog (COUNT, SUM, AVG, MIN and MAX can)`);
      }
    }
    if (node.emitEveryMs !== undefined) throw new EddyError('ValidationException', 'EMIT CHANGES EVERY is not supported for a GROUP BY over a changelog');
    this.inputTypes = input.map((c) => c.type);
    const compile = (e: NonNullable<AggregateCall['arg']>) => compileExpr(e, { ...context, inputTypes: this.inputTypes });
    this.keys = node.keys.map((k) => compile(k.expr));
    this.args = node.aggregates.map((a) => (a.arg ? compile(a.arg) : undefined));
    this.filters = node.aggregates.map((a) => (a.filter ? compile(a.filter) : undefined));
    this.calls = node.aggregates;
    this.outputColumns = [...node.keys.map((k) => ({ name: k.name, type: k.expr.type })), ...node.aggregates.map((a) => ({ name: a.name, type: a.type }))];
    this.schema = changelogSchema(arrowSchema(this.outputColumns));
    this.limit = new StateKeyLimit(maxStateKeys, groupByText(node.keys, false));
  }

  generatedCode(): readonly GeneratedCode[] {
    const code = (what: string, e: CompiledExpr | undefined) => (e === undefined || e.source === '' ? [] : [{ what, params: EXPRESSION_PARAMS, body: e.source }]);
    return [...this.keys.flatMap((k, i) => code(`key ${i + 1}`, k)), ...this.args.flatMap((a, i) => code(`argument of aggregate ${i + 1}`, a)), ...this.filters.flatMap((f, i) => code(`FILTER of aggregate ${i + 1}`, f))];
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const view = new BatchView(batch, this.inputTypes);
    const kinds = rowKindsOf(batch);
    const keyColumns = this.keys.map((k) => k.evaluate(view));
    const argColumns = this.args.map((a) => a?.evaluate(view));
    const filterColumns = this.filters.map((f) => f?.evaluate(view));
    /** Each group this batch touched, in order, with the row it had before (null: it had none). */
    const touched = new Map<string, { group: Group; before: Value[] | null }>();
    for (let i = 0; i < n; i++) {
      const key = keyColumns.map((c) => value(c, i));
      const id = JSON.stringify(key);
      const kind = kinds === null ? INSERT : kinds[i]!;
      const retract = kind === UPDATE_BEFORE || kind === DELETE;
      let group = this.groups.get(id);
      if (group === undefined) {
        // Taking out a row of a group never seen: nothing of it is held, so there is nothing to change.
        if (retract) continue;
        this.limit.check(this.groups.size + 1 + this.heldValues, this.heldValues);
        group = { key, rows: 0, aggs: this.calls.map(() => ({ count: 0, sum: 0, values: undefined })) };
        this.groups.set(id, group);
      }
      if (!touched.has(id)) touched.set(id, { group, before: group.rows > 0 ? this.row(group) : null });
      const sign = retract ? -1 : 1;
      group.rows += sign;
      this.calls.forEach((call, a) => {
        const filter = filterColumns[a];
        if (filter !== undefined && value(filter, i) !== 1) return;
        const arg = argColumns[a];
        if (call.fn === 'count_star') return;
        const v = arg === undefined ? null : value(arg, i);
        if (v === null) return;
        const state = group.aggs[a]!;
        state.count += sign;
        if (call.fn === 'sum' || call.fn === 'avg') state.sum += sign * (v as number);
        else if (call.fn === 'min' || call.fn === 'max') this.hold(state, v, sign);
      });
    }
    this.limit.check(this.groups.size + this.heldValues, this.heldValues);
    this.emit(touched, out);
  }

  /** Adds (sign 1) or takes out (sign -1) one occurrence of a value of a MIN or MAX. */
  private hold(state: AggState, v: string | number, sign: number): void {
    const values = (state.values ??= new Map());
    const times = (values.get(v) ?? 0) + sign;
    if (times > 0) {
      if (!values.has(v)) this.heldValues++;
      values.set(v, times);
    } else if (values.delete(v)) this.heldValues--;
  }

  /** The group's result row: its keys, then each aggregate. */
  private row(group: Group): Value[] {
    return [
      ...group.key,
      ...this.calls.map((call, a): Value => {
        if (call.fn === 'count_star') return group.rows;
        const s = group.aggs[a]!;
        if (call.fn === 'count') return s.count;
        if (s.count <= 0) return null;
        if (call.fn === 'sum') return s.sum;
        if (call.fn === 'avg') return call.type === 'DOUBLE' ? s.sum / s.count : integerMean(s.sum, s.count);
        let best: string | number | null = null;
        for (const v of s.values?.keys() ?? []) if (best === null || (call.fn === 'max' ? v > best : v < best)) best = v;
        return best;
      }),
    ];
  }

  /** +I for a new group, -U/+U for a changed one, -D for one whose rows were all taken out. */
  private emit(touched: ReadonlyMap<string, { group: Group; before: Value[] | null }>, out: Collector): void {
    const rows: Value[][] = [];
    const kinds: number[] = [];
    for (const [id, { group, before }] of touched) {
      const after = group.rows > 0 ? this.row(group) : null;
      if (after === null) {
        this.drop(id, group);
        if (before !== null) {
          rows.push(before);
          kinds.push(DELETE);
        }
      } else if (before === null) {
        rows.push(after);
        kinds.push(INSERT);
      } else if (JSON.stringify(before) !== JSON.stringify(after)) {
        rows.push(before, after);
        kinds.push(UPDATE_BEFORE, UPDATE_AFTER);
      }
    }
    if (rows.length === 0) return;
    const columns = this.outputColumns.map((c, j) => columnToArrow(columnOfValues(c.type, rows.map((r) => r[j] ?? null))));
    out.emit(changelogBatch(this.schema, columns, Int8Array.from(kinds)));
  }

  private drop(id: string, group: Group): void {
    for (const s of group.aggs) this.heldValues -= s.values?.size ?? 0;
    this.groups.delete(id);
  }

  onWatermark(): void {}

  stateEntries(): number {
    return this.groups.size + this.heldValues;
  }

  snapshot(): RetractingSnapshot {
    return {
      groups: [...this.groups.values()].map((g) => [g.key, g.rows, g.aggs.map((s, a) => (this.calls[a]!.fn === 'min' || this.calls[a]!.fn === 'max' ? [...(s.values ?? [])] : [s.count, s.sum]))] as const),
    };
  }

  restore(state: unknown): void {
    this.onClose();
    for (const [key, rows, aggs] of (state as RetractingSnapshot).groups) {
      const group: Group = {
        key,
        rows,
        aggs: aggs.map((saved, a): AggState => {
          const extreme = this.calls[a]!.fn === 'min' || this.calls[a]!.fn === 'max';
          if (!extreme) {
            const [count, sum] = saved as [number, number];
            return { count, sum, values: undefined };
          }
          const values = new Map(saved as [string | number, number][]);
          this.heldValues += values.size;
          return { count: [...values.values()].reduce((x, y) => x + y, 0), sum: 0, values };
        }),
      };
      this.groups.set(JSON.stringify(key), group);
    }
  }

  onClose(): void {
    this.groups.clear();
    this.heldValues = 0;
  }
}

/** A cell as a key or multiset value: numbers (TIMESTAMPs as epoch ms, BOOLEANs as 0 and 1) or text. */
function value(column: Column, i: number): Value {
  const v = columnValue(column, i);
  // DECIMAL inputs are refused when the query is compiled (analyzer.ts), so no BigInt arrives here.
  if (typeof v === 'bigint') throw new Error('internal error: a DECIMAL value in a GROUP BY over a changelog');
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}
