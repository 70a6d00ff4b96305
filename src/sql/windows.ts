// Event-time windows: TUMBLE and HOP as table functions (FROM TABLE(TUMBLE(…))) and as group functions
// (GROUP BY TUMBLE(…)), their sizes and slides, the time attribute they run on (which fixes the
// source's event time), and the window bounds a grouped query selects.

import { durationText, type WindowSpec } from '../engine/plan/index.js';
import type { Expression } from './ast.js';
import type { ExpressionTyper, ExprContext } from './expression-typer.js';
import { WINDOW_AUX } from './group-functions.js';
import type { Grouping } from './grouping.js';
import type { Relation, Scope } from './scope.js';
import type { SourceSpan } from './sql-error.js';
import type { Fail, Typed } from './typing.js';

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

  /** TUMBLE's size, or HOP's slide and size: positive INTERVAL literals, the size a whole number of slides. */
  windowSpec(fn: 'TUMBLE' | 'HOP', intervals: readonly Expression[], ctx: ExprContext, span: SourceSpan): WindowSpec {
    const ms = intervals.map((e, i) => {
      const role = fn === 'TUMBLE' ? 'size' : i === 0 ? 'slide' : 'size';
      const typed = this.typer.expr(e, { ...ctx, clause: 'window' });
      if (typed.type !== 'INTERVAL' || typed.ir.kind !== 'literal' || typeof typed.ir.value !== 'number') {
        this.fail('InvalidWindow', `${fn} ${role} must be an INTERVAL such as INTERVAL '1' MINUTE, got ${typed.type}`, e.span);
      }
      if (typed.ir.value <= 0) this.fail('InvalidWindow', `${fn} ${role} must be positive, got ${durationText(typed.ir.value)}`, e.span);
      return typed.ir.value;
    });
    if (fn === 'TUMBLE') {
      if (ms.length !== 1) this.fail('InvalidWindow', `TUMBLE takes one INTERVAL (the size), got ${ms.length}`, span);
      return { kind: 'tumble', sizeMs: ms[0]! };
    }
    if (ms.length !== 2) this.fail('InvalidWindow', `HOP takes two INTERVALs (slide, then size), got ${ms.length}`, span);
    const [slideMs, sizeMs] = ms as [number, number];
    if (sizeMs % slideMs !== 0) {
      this.fail(
        'InvalidWindow',
        `HOP size ${durationText(sizeMs)} must be a whole multiple of slide ${durationText(slideMs)}`,
        intervals[1]!.span,
      );
    }
    return { kind: 'hop', sizeMs, slideMs };
  }

  /** GROUP BY TUMBLE(ts, size) or HOP(ts, slide, size), with a key that tells two calls of the same window apart. */
  groupWindowCall(
    g: Extract<Expression, { kind: 'call' }>,
    relation: Relation,
  ): { timeColumn: number; spec: WindowSpec; argsKey: string } {
    const fn = g.name as 'TUMBLE' | 'HOP';
    const usage = fn === 'TUMBLE' ? 'TUMBLE(time_column, size)' : 'HOP(time_column, slide, size)';
    const expected = fn === 'TUMBLE' ? 2 : 3;
    if (g.args.length !== expected) this.fail('InvalidWindow', `${fn} takes ${expected} arguments: ${usage}`, g.span);
    const timeColumn = this.timeAttribute(g.args[0]!, relation, fn);
    const spec = this.windowSpec(fn, g.args.slice(1), { relation, clause: 'GROUP BY' }, g.span);
    return { timeColumn, spec, argsKey: JSON.stringify([timeColumn, spec]) };
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
