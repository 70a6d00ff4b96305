// Event-time windows: TUMBLE, HOP, CUMULATE and SESSION as table functions (FROM TABLE(TUMBLE(…))),
// TUMBLE, HOP and SESSION as group functions (GROUP BY TUMBLE(…)), their sizes, slides, offsets and gaps,
// the time attribute they run on (which fixes the source's event time), and the window bounds a grouped
// query selects.

import { unreachable } from '../engine/errors.js';
import { durationText, type Expr } from '../engine/plan/index.js';
import type { Expression } from './ast.js';
import type { ExpressionTyper, ExprContext } from './expression-typer.js';
import { WINDOW_AUX } from './group-functions.js';
import type { Grouping } from './grouping.js';
import type { Relation, Scope } from './scope.js';
import type { SourceSpan } from './sql-error.js';
import type { NamedWindowSpec } from './logical-plan.js';
import type { Fail, Typed } from './typing.js';
import type { WindowFunction } from './window-table-functions.js';

/** What each INTERVAL argument of a window is, in order. */
const WINDOW_ROLES: Readonly<Record<WindowFunction | 'STAGGER', readonly string[]>> = {
  TUMBLE: ['size', 'offset'],
  HOP: ['slide', 'size', 'offset'],
  CUMULATE: ['step', 'size', 'offset'],
  SESSION: ['gap'],
  STAGGER: ['range'],
};

/** The windows GROUP BY can name as functions (CUMULATE exists only as a table function, as in Flink). */
/** STAGGER(time_column, range) is KDA's WINDOWED BY STAGGER as kda-windows.ts rewrites it. */
export type GroupWindowFunction = 'TUMBLE' | 'HOP' | 'SESSION' | 'STAGGER';

export const GROUP_WINDOW_USAGE: Readonly<Record<GroupWindowFunction, string>> = {
  TUMBLE: 'TUMBLE(time_column, size [, offset])',
  HOP: 'HOP(time_column, slide, size [, offset])',
  SESSION: 'SESSION(time_column, gap)',
  STAGGER: 'WINDOWED BY STAGGER (PARTITION BY key, … RANGE INTERVAL …)',
};

export class WindowAnalyzer {
  constructor(
    private readonly scope: Scope,
    private readonly typer: ExpressionTyper,
    private readonly fail: Fail,
  ) {}

  /** The index of a window's time column, after checking it is a time attribute; fixes the source's event time. */
  timeAttribute(ref: Expression, relation: Relation, fn: string): number {
    if (ref.kind !== 'columnRef') {
      this.fail('InvalidWindow', `The time argument of ${fn} must be a column: the WATERMARK column or _arrival_time`, ref.span);
    }
    const column = this.scope.findColumn(ref, relation);
    if (column.window) {
      this.fail('InvalidWindow', `${fn} cannot run on ${column.name}: windows over windowed results are not supported`, ref.span);
    }
    if (!column.timeAttr && relation.noTimeAttributes !== undefined) {
      this.fail('InvalidWindow', `${fn} needs a time attribute, but '${column.name}' is not one: ${relation.noTimeAttributes}`, ref.span);
    }
    if (!column.timeAttr) {
      const watermark = relation.source.watermark;
      let choices = watermark ? `the WATERMARK column '${watermark.column}' or _arrival_time` : `_arrival_time (${relation.source.name} declares no WATERMARK)`;
      if (relation.input.kind === 'select') choices += ', selected unchanged by the subquery';
      this.fail(
        'InvalidWindow',
        `${fn} needs a time attribute, but '${column.name}' is not one; use ${choices}`,
        ref.span,
      );
    }
    const attr = column.timeAttr;
    attr.scan.eventTime = { column: attr.sourceColumn, delayMs: attr.delayMs, ...(attr.processingTime ? { processingTime: true as const } : {}) };
    return column.index;
  }

  /**
   * A window's INTERVAL arguments: TUMBLE's size, HOP's slide and size, CUMULATE's step and size (each
   * with an optional offset), SESSION's gap. Sizes are positive, a whole number of slides or steps; the
   * offset, any INTERVAL, shifts where windows start and is kept modulo the period it repeats with.
   */
  windowSpec(fn: WindowFunction | 'STAGGER', intervals: readonly Expression[], ctx: ExprContext, span: SourceSpan): NamedWindowSpec {
    const roles = WINDOW_ROLES[fn];
    const required = roles.filter((r) => r !== 'offset').length;
    if (intervals.length < required || intervals.length > roles.length) {
      const count = required === roles.length ? `${required}` : `${required} or ${roles.length}`;
      this.fail('InvalidWindow', `${fn} takes ${count} INTERVAL${roles.length > 1 ? 's' : ''} (${roles.join(', then ')}${required < roles.length ? ', the offset optional' : ''}), got ${intervals.length}`, span);
    }
    const ms = intervals.map((e, i) => {
      const role = roles[i]!;
      const typed = this.typer.expr(e, { ...ctx, clause: 'window' });
      if (typed.type !== 'INTERVAL' || typed.ir.kind !== 'literal' || typeof typed.ir.value !== 'number') {
        this.fail('InvalidWindow', `${fn} ${role} must be an INTERVAL such as INTERVAL '1' MINUTE, got ${typed.type}`, e.span);
      }
      if (role !== 'offset' && typed.ir.value <= 0) this.fail('InvalidWindow', `${fn} ${role} must be positive, got ${durationText(typed.ir.value)}`, e.span);
      return typed.ir.value;
    });
    const given = ms[required];
    const offset = (period: number): { offsetMs?: number } => {
      const o = given === undefined ? 0 : ((given % period) + period) % period;
      return o === 0 ? {} : { offsetMs: o };
    };
    const multiple = (size: number, of: number, what: string): void => {
      if (size % of !== 0) this.fail('InvalidWindow', `${fn} size ${durationText(size)} must be a whole multiple of ${what} ${durationText(of)}`, intervals[1]!.span);
    };
    switch (fn) {
      case 'TUMBLE':
        return { kind: 'tumble', sizeMs: ms[0]!, ...offset(ms[0]!) };
      case 'HOP': {
        const [slideMs, sizeMs] = ms as [number, number];
        multiple(sizeMs, slideMs, 'slide');
        return { kind: 'hop', sizeMs, slideMs, ...offset(slideMs) };
      }
      case 'CUMULATE': {
        const [stepMs, sizeMs] = ms as [number, number];
        multiple(sizeMs, stepMs, 'step');
        return { kind: 'cumulate', sizeMs, stepMs, ...offset(sizeMs) };
      }
      case 'SESSION':
        return { kind: 'session', gapMs: ms[0]! };
      case 'STAGGER':
        return { kind: 'stagger', rangeMs: ms[0]! };
      default:
        return unreachable(fn, 'window function');
    }
  }

  /**
   * GROUP BY TUMBLE(ts, size [, offset]), HOP(ts, slide, size [, offset]) or SESSION(ts, gap), with a
   * key that tells two calls of the same window apart.
   */
  groupWindowCall(
    g: Extract<Expression, { kind: 'call' }>,
    relation: Relation,
  ): { timeColumn: number; spec: NamedWindowSpec; argsKey: string } {
    const fn = g.name as GroupWindowFunction;
    if (g.args.length === 0) this.fail('InvalidWindow', `${fn} takes the time column first: ${GROUP_WINDOW_USAGE[fn]}`, g.span);
    const timeColumn = this.timeAttribute(g.args[0]!, relation, fn);
    const spec = this.windowSpec(fn, g.args.slice(1), { relation, clause: 'GROUP BY' }, g.span);
    return { timeColumn, spec, argsKey: JSON.stringify([timeColumn, spec]) };
  }

  /**
   * GROUP BY over TABLE(SESSION(…)) groups by exactly the PARTITION BY columns (besides window_start
   * and window_end): sessions are kept per partition, so any other key would split a session's rows
   * under bounds that are not its own.
   */
  sessionKeys(relation: Relation, keys: readonly { readonly ir: Expr; readonly span: SourceSpan }[], groupBySpan: SourceSpan): void {
    const partition = relation.windowTable?.partitionBy ?? [];
    const partitionColumns = partition.map((name) => this.scope.findColumn({ kind: 'columnRef', name, span: name.span }, relation));
    for (const key of keys) {
      const index = key.ir.kind === 'column' ? key.ir.index : -1;
      if (!partitionColumns.some((c) => c.index === index)) {
        const by = partition.length > 0 ? `its PARTITION BY columns (${partitionColumns.map((c) => c.name).join(', ')})` : 'no other column: SESSION has no PARTITION BY';
        this.fail('InvalidWindow', `GROUP BY over TABLE(SESSION(...)) may group only by window_start, window_end and ${by}; to keep sessions per key, write SESSION(TABLE stream PARTITION BY key, …)`, key.span);
      }
    }
    partitionColumns.forEach((column, i) => {
      if (!keys.some((k) => k.ir.kind === 'column' && k.ir.index === column.index)) {
        this.fail('InvalidWindow', `GROUP BY over TABLE(SESSION(... PARTITION BY ${column.name} ...)) must include ${column.name}`, partition[i]?.span ?? groupBySpan);
      }
    });
  }

  /** window_start or window_end, the first two output columns of a windowed aggregate. */
  windowColumn(end: boolean): Typed {
    const name = end ? 'window_end' : 'window_start';
    return { ir: { kind: 'column', index: end ? 1 : 0, name, type: 'TIMESTAMP' }, type: 'TIMESTAMP' };
  }

  /** TUMBLE_START(…), HOP_END(…) and the like, which must repeat the GROUP BY window's arguments. */
  windowBound(e: Extract<Expression, { kind: 'call' }>, ctx: ExprContext, grouping: Grouping): Typed {
    const aux = WINDOW_AUX[e.name]!;
    const window = grouping.groupWindow;
    if (!window || window.fn !== aux.fn) {
      this.fail('InvalidWindow', `${e.name} needs GROUP BY ${aux.fn}(...) with the same arguments`, e.nameSpan);
    }
    const { argsKey } = this.groupWindowCall({ ...e, name: aux.fn }, ctx.relation);
    if (argsKey !== window.argsKey) {
      this.fail('InvalidWindow', `${e.name} must have the same arguments as the ${aux.fn}(...) in GROUP BY`, e.span);
    }
    return this.windowColumn(aux.end);
  }
}
