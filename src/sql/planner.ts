// Analyzed query → physical plan as data: source (or a join of two inputs, each planned the same way) →
// filter (WHERE) → window or group aggregate → filter (HAVING) → OVER window (then QUALIFY) → project,
// with expressions already in the engine's IR.

import { GROUPING_SET_COLUMN, outputColumns, type ColumnSchema, type DataType, type Expr, type NamedExpr, type PlanNode, type QueryPlan, type SinkSpec, type TwoInputNode } from '../engine/plan/index.js';

/** The column a cascading window aggregate's windows run on: the window_end of its rows, less 1 ms. */
const CASCADE_TIME_COLUMN = 'window_time';
import type { LogicalInput, LogicalSelect } from './logical-plan.js';
import { planOver } from './over-plan.js';

export function planSelect(select: LogicalSelect): PlanNode {
  let node = planInput(select.input);
  if (select.where) node = { kind: 'filter', input: node, predicate: select.where };
  const aggregate = select.aggregate;
  if (aggregate) {
    const { aggregates } = aggregate;
    let keys = aggregate.keys;
    if (aggregate.groupingSets) {
      // Each row once per set, then grouped by the Expand's keys and the number of its set.
      const width = outputColumns(node).length;
      const column = (index: number, name: string, type: DataType): NamedExpr => ({ name, expr: { kind: 'column', index, name, type } });
      node = { kind: 'expand', input: node, keys, sets: aggregate.groupingSets };
      keys = [...keys.map((k, j) => column(width + j, k.name, k.expr.type)), column(width + keys.length, GROUPING_SET_COLUMN, 'BIGINT')];
    }
    const window = aggregate.window;
    if (!window) node = { kind: 'groupAggregate', input: node, keys, aggregates };
    else if (window.spec.kind === 'cascade') {
      // Windows of 1 ms on window_end - 1 ms: each window the rows came from is one, emitted when the
      // watermark reaches its end (its start and end are grouping keys, so the 1 ms window only says when).
      const columns = outputColumns(node);
      const end = columns[window.timeColumn]!;
      const endExpr: Expr = { kind: 'column', index: window.timeColumn, name: end.name, type: 'TIMESTAMP' };
      const time: NamedExpr = { name: CASCADE_TIME_COLUMN, expr: { kind: 'call', fn: 'sub', args: [endExpr, { kind: 'literal', value: 1, type: 'BIGINT' }], type: 'TIMESTAMP' } };
      node = { kind: 'project', input: node, exprs: [...columns.map((c, index): NamedExpr => ({ name: c.name, expr: { kind: 'column', index, name: c.name, type: c.type } })), time] };
      node = { kind: 'windowAggregate', input: node, window: { kind: 'tumble', sizeMs: 1 }, timeColumn: columns.length, keys, aggregates };
    } else if (window.spec.kind === 'session') {
      node = { kind: 'sessionWindowAggregate', input: node, gapMs: window.spec.gapMs, timeColumn: window.timeColumn, keys, aggregates };
    } else if (window.spec.kind === 'stagger') {
      node = { kind: 'staggerWindowAggregate', input: node, rangeMs: window.spec.rangeMs, timeColumn: window.timeColumn, keys, aggregates };
    } else node = { kind: 'windowAggregate', input: node, window: window.spec, timeColumn: window.timeColumn, keys, aggregates };
  }
  if (select.having) node = { kind: 'filter', input: node, predicate: select.having };
  if (select.over) node = planOver(node, select.over);
  return { kind: 'project', input: node, exprs: select.select };
}

function planInput(input: LogicalInput): PlanNode {
  if (input.kind === 'select') return planSelect(input.select);
  if (input.kind === 'windowTable') return { kind: 'windowTable', input: planInput(input.input), window: input.spec, timeColumn: input.timeColumn };
  if (input.kind === 'join') return { ...input.join, left: planInput(input.left), right: planInput(input.right) } as TwoInputNode;
  if (input.kind === 'lookup') return { ...input.join, input: planInput(input.input) };
  if (input.kind === 'analytics') return { ...input.node, input: planInput(input.input) };
  const { stream, eventTime } = input;
  return {
    kind: 'source',
    stream: stream.name,
    format: stream.format,
    columns: stream.columns,
    eventTime: { column: eventTime.column, watermarkDelayMs: eventTime.delayMs, ...(eventTime.processingTime ? { processingTime: true as const } : {}) },
    ...(stream.computed ? { computed: stream.computed } : {}),
    ...(stream.shards ? { shards: stream.shards } : {}),
  };
}

export function planQuery(select: LogicalSelect, sink: SinkSpec): QueryPlan {
  const root = planSelect(select);
  const columns: ColumnSchema[] = select.select.map((e) => ({ name: e.name, type: e.expr.type }));
  return { root, sink, columns };
}
