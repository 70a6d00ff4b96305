// GROUP BY and aggregates: the grouping keys (with at most one group window), the aggregate calls a
// query makes, and how expressions after grouping read the aggregate's output columns.

import { decimalParams, isDecimal, type AggregateCall, type Expr } from '../engine/plan/index.js';
import { avgType, sumType } from './decimal-rules.js';
import type { Expression, Name, Query } from './ast.js';
import type { ExpressionTyper, ExprContext } from './expression-typer.js';
import { AGGREGATES, containsAggregate, GROUPING_FUNCTIONS, WINDOW_AUX } from './group-functions.js';
import type { LogicalAggregate } from './logical-plan.js';
import type { Relation, Scope } from './scope.js';
import { SqlError, type SourceSpan } from './sql-error.js';
import { isNumeric, type Fail, type Typed } from './typing.js';
import type { GroupWindowFunction, WindowAnalyzer } from './windows.js';
import { groupingCall, keySets, type GroupingRole } from './grouping-sets.js';
import { percentileFraction } from './group-functions.js';

/** What grouping makes of a query: its keys and aggregates, in output order after any window bounds. */
export interface Grouping {
  readonly keys: readonly { readonly key: string; readonly name: string; readonly ir: Expr }[];
  readonly aggregates: { key: string; name: string; call: AggregateCall }[];
  readonly groupWindow?: { readonly fn: GroupWindowFunction; readonly argsKey: string };
  readonly tableWindow: boolean;
  /** 2 when window_start and window_end come first. */
  readonly offset: number;
  /**
   * GROUPING SETS, ROLLUP and CUBE: each set as indexes into `keys`. The aggregate then has one more key
   * after `keys`, the number of the set a group belongs to, before the aggregates.
   */
  readonly sets?: readonly (readonly number[])[];
}

export class GroupingAnalyzer {
  constructor(
    private readonly scope: Scope,
    private readonly typer: ExpressionTyper,
    private readonly windows: WindowAnalyzer,
    private readonly fail: Fail,
  ) {}

  /** The grouping of a query with GROUP BY or aggregates: its keys and its window, if any. */
  groupBy(
    query: Query,
    relation: Relation,
    items: readonly { expr: Expression; alias?: Name }[],
  ): { grouping: Grouping; window?: LogicalAggregate['window'] } {
    const input: ExprContext = { relation, clause: 'GROUP BY' };
    const keys: { key: string; name: string; ir: Expr }[] = [];
    let groupWindow: Grouping['groupWindow'];
    let window: LogicalAggregate['window'];
    const windowColumnsSeen = new Set<string>();
    const keySpans: SourceSpan[] = [];
    const roles: GroupingRole[] = [];
    for (const g of query.groupBy) {
      if (g.kind === 'call' && g.name === 'CUMULATE') {
        this.fail('InvalidWindow', 'CUMULATE is a window table function only: FROM TABLE(CUMULATE(TABLE stream, DESCRIPTOR(time_column), step, size)) GROUP BY window_start, window_end, …', g.nameSpan);
      }
      if (g.kind === 'call' && (g.name === 'TUMBLE' || g.name === 'HOP' || g.name === 'SESSION' || g.name === 'STAGGER')) {
        if (relation.windowTable) {
          this.fail('InvalidWindow', `GROUP BY ${g.name}(...) cannot be combined with FROM TABLE(${relation.windowTable.fn}(...)); group by window_start, window_end instead`, g.span);
        }
        const { timeColumn, spec, argsKey } = this.windows.groupWindowCall(g, relation);
        if (groupWindow && groupWindow.argsKey !== argsKey) this.fail('InvalidWindow', 'GROUP BY may contain only one TUMBLE, HOP or SESSION', g.span);
        groupWindow = { fn: g.name, argsKey };
        window = { spec, timeColumn };
        roles.push('window');
        continue;
      }
      if (g.kind === 'columnRef' && relation.windowTable) {
        const column = this.scope.findColumn(g, relation);
        if (column.window) {
          windowColumnsSeen.add(column.window);
          roles.push('window');
          continue;
        }
      }
      if (containsAggregate(g)) this.fail('InvalidGrouping', 'GROUP BY cannot contain an aggregate function', g.span);
      const typed = this.typer.expr(g, input);
      if (typed.type === 'INTERVAL' || typed.type === 'NULL') this.fail('InvalidGrouping', `Cannot group by ${typed.type === 'NULL' ? 'NULL' : 'an INTERVAL'}`, g.span);
      const key = JSON.stringify(typed.ir);
      const known = keys.findIndex((k) => k.key === key);
      roles.push(known >= 0 ? known : keys.length);
      if (known >= 0) continue;
      const name = g.kind === 'columnRef' ? this.scope.columnName(g, relation) : this.keyName(key, items, input, keys.length);
      keys.push({ key, name, ir: typed.ir });
      keySpans.push(g.span);
    }
    let sets: number[][] | undefined;
    if (query.groupingSets) {
      if (relation.windowTable?.fn === 'SESSION') {
        this.fail('InvalidGrouping', 'GROUPING SETS, ROLLUP and CUBE cannot group TABLE(SESSION(...)), whose sessions are kept per PARTITION BY key; write FROM stream GROUP BY SESSION(time_column, gap), ROLLUP(...) instead', query.groupingSets.span);
      }
      sets = keySets(query.groupingSets, roles, window !== undefined || relation.windowTable !== undefined, (message, at) => this.fail('InvalidGrouping', message, at));
    }
    if (relation.windowTable) {
      const missing = (['start', 'end'] as const).filter((w) => !windowColumnsSeen.has(w));
      if (missing.length > 0) {
        this.fail(
          'InvalidWindow',
          `GROUP BY over TABLE(${relation.windowTable.fn}(...)) must include window_start and window_end (missing ${missing.map((m) => `window_${m}`).join(' and ')})`,
          query.groupBy[0]?.span ?? query.from.span,
        );
      }
      window = { spec: relation.windowTable.spec, timeColumn: relation.windowTable.timeColumn };
      if (relation.windowTable.fn === 'SESSION') this.windows.sessionKeys(relation, keys.map((k, i) => ({ ir: k.ir, span: keySpans[i]! })), query.groupBy[0]?.span ?? query.from.span);
    }
    if (!window && !sets) window = cascadingWindow(keys, relation);
    return {
      grouping: {
        keys,
        aggregates: [],
        ...(groupWindow ? { groupWindow } : {}),
        tableWindow: relation.windowTable !== undefined,
        offset: window ? 2 : 0,
        ...(sets ? { sets } : {}),
      },
      ...(window ? { window } : {}),
    };
  }

  /** An expression key is named after the select item that shows it, else key<i>. */
  keyName(key: string, items: readonly { expr: Expression; alias?: Name }[], input: ExprContext, index: number): string {
    for (const [position, item] of items.entries()) {
      if (item.expr.kind === 'columnRef' || containsAggregate(item.expr)) continue;
      try {
        if (JSON.stringify(this.typer.expr(item.expr, input).ir) === key) return item.alias?.text ?? `EXPR$${position}`;
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
      }
    }
    return `key${index}`;
  }

  /** After grouping: aggregates, window bounds and whole GROUP BY expressions become output columns. */
  grouped(e: Expression, ctx: ExprContext, grouping: Grouping): Typed | undefined {
    if (e.kind === 'call' && e.filter && !(e.name in AGGREGATES)) {
      this.fail('InvalidGrouping', `FILTER (WHERE …) is only allowed after an aggregate function such as COUNT(*), not ${e.name}`, e.filter.span);
    }
    if (e.kind === 'call' && e.name in AGGREGATES) return this.aggregate(e, ctx, grouping);
    if (e.kind === 'call' && GROUPING_FUNCTIONS.has(e.name)) return groupingCall(e, grouping, (arg) => this.keyOf(arg, ctx, grouping), this.fail);
    if (e.kind === 'call' && e.name in WINDOW_AUX) return this.windows.windowBound(e, ctx, grouping);
    if (e.kind === 'columnRef') {
      const column = this.scope.findColumn(e, ctx.relation);
      if (column.window) return this.windows.windowColumn(column.window === 'end');
    }
    if (containsAggregate(e)) return undefined;
    let typed: Typed;
    try {
      typed = this.typer.expr(e, { relation: ctx.relation, clause: ctx.clause });
    } catch (error) {
      if (error instanceof SqlError) return undefined;
      throw error;
    }
    const key = JSON.stringify(typed.ir);
    const index = grouping.keys.findIndex((k) => k.key === key);
    if (index < 0) return undefined;
    const k = grouping.keys[index]!;
    return { ir: { kind: 'column', index: grouping.offset + index, name: k.name, type: k.ir.type }, type: k.ir.type };
  }

  /** The grouping key an expression is (its index in the keys), 'window' for the window, else undefined. */
  private keyOf(e: Expression, ctx: ExprContext, grouping: Grouping): number | 'window' | undefined {
    if (e.kind === 'columnRef' && this.scope.findColumn(e, ctx.relation).window) return 'window';
    if (e.kind === 'call' && grouping.groupWindow && e.name === grouping.groupWindow.fn) return 'window';
    let typed: Typed;
    try {
      typed = this.typer.expr(e, { relation: ctx.relation, clause: ctx.clause });
    } catch (error) {
      if (error instanceof SqlError) return undefined;
      throw error;
    }
    const index = grouping.keys.findIndex((k) => k.key === JSON.stringify(typed.ir));
    return index < 0 ? undefined : index;
  }

  /** An aggregate call: typed, checked and added to the grouping once however often it is written. */
  aggregate(e: Extract<Expression, { kind: 'call' }>, ctx: ExprContext, grouping: Grouping): Typed {
    const base = AGGREGATES[e.name]!;
    const argCtx: ExprContext = { relation: ctx.relation, clause: 'AGGREGATE' };
    let callSpec: AggregateCall;
    if (e.star) {
      callSpec = { fn: 'count_star', type: 'BIGINT' };
    } else {
      const arity = base === 'approx_percentile' ? 2 : 1;
      if (e.args.length !== arity) {
        const usage = arity === 2 ? `two arguments, ${e.name}(value, fraction), fraction between 0 and 1,` : 'one argument,';
        this.fail('TypeMismatch', `${e.name} takes ${usage} got ${e.args.length}`, e.span);
      }
      const arg = this.typer.expr(e.args[0]!, argCtx);
      if (arg.type === 'INTERVAL' || arg.type === 'NULL') this.fail('TypeMismatch', `${e.name} cannot aggregate ${arg.type === 'NULL' ? 'NULL' : 'an INTERVAL'}`, e.args[0]!.span);
      const type = arg.type;
      const numeric = () => {
        if (!isNumeric(type)) this.fail('TypeMismatch', `${e.name} expects a number, got ${type}`, e.args[0]!.span);
      };
      switch (base) {
        case 'count':
          callSpec = { fn: e.distinct ? 'count_distinct' : 'count', arg: arg.ir, type: 'BIGINT' };
          break;
        case 'sum':
          numeric();
          // SUM(DECIMAL(p, s)) is DECIMAL(38, s) and AVG DECIMAL(38, max(6, s)), as Flink types them.
          callSpec = { fn: 'sum', arg: arg.ir, type: isDecimal(type) ? sumType(decimalParams(type)) : type === 'DOUBLE' ? 'DOUBLE' : 'BIGINT' };
          break;
        case 'avg':
          // As Flink's: AVG of integers is an integer of the same type, truncated; of DECIMAL(p, s), DECIMAL(38, max(6, s)).
          numeric();
          callSpec = { fn: base, arg: arg.ir, type: isDecimal(type) ? avgType(decimalParams(type)) : type };
          break;
        case 'stddev':
          numeric();
          callSpec = { fn: base, arg: isDecimal(type) ? { kind: 'cast', expr: arg.ir, type: 'DOUBLE' } : arg.ir, type: 'DOUBLE' };
          break;
        case 'approx_count_distinct':
          callSpec = { fn: base, arg: arg.ir, type: 'BIGINT' };
          break;
        case 'approx_percentile':
          numeric();
          callSpec = { fn: base, arg: isDecimal(type) ? { kind: 'cast', expr: arg.ir, type: 'DOUBLE' } : arg.ir, type: 'DOUBLE', fraction: percentileFraction(e.name, e.args[1]!, this.fail) };
          break;
        default:
          callSpec = { fn: base, arg: arg.ir, type };
      }
    }
    if (e.filter) {
      const where = e.filter.where;
      const typed = this.typer.expr(where, { relation: ctx.relation, clause: 'FILTER' });
      callSpec = { ...callSpec, filter: this.typer.rules.expectBoolean(typed, 'FILTER', where.span) };
    }
    const key = JSON.stringify(callSpec);
    let index = grouping.aggregates.findIndex((a) => a.key === key);
    if (index < 0) {
      index = grouping.aggregates.length;
      const hinted = ctx.nameHint?.expr === e ? ctx.nameHint.name : undefined;
      const name = hinted !== undefined && !grouping.aggregates.some((a) => a.name === hinted) ? hinted : `agg${index}`;
      grouping.aggregates.push({ key, name, call: callSpec });
    }
    const a = grouping.aggregates[index]!;
    return {
      ir: { kind: 'column', index: grouping.offset + grouping.keys.length + (grouping.sets ? 1 : 0) + index, name: a.name, type: callSpec.type },
      type: callSpec.type,
    };
  }
}

/**
 * GROUP BY the window_start and window_end of a window aggregate's rows (passed on by a subquery, under
 * any names) is a window aggregate again, as in Flink (cascading window aggregation): its rows are final
 * when the watermark passes their window's end, so the result is append-only, and its window bounds are
 * still the first aggregate's windows (a window join can match them).
 */
function cascadingWindow(keys: readonly { readonly ir: Expr }[], relation: Relation): LogicalAggregate['window'] {
  const bound = (which: 'start' | 'end') =>
    keys.map((k) => (k.ir.kind === 'column' ? relation.scope.find((c) => c.index === (k.ir as { index: number }).index) : undefined)).find((c) => c?.windowOf?.bound === which);
  const start = bound('start');
  const end = bound('end');
  if (!start?.windowOf || !end?.windowOf || JSON.stringify(start.windowOf.spec) !== JSON.stringify(end.windowOf.spec)) return undefined;
  return { spec: { kind: 'cascade', of: end.windowOf.spec }, timeColumn: end.index };
}
