// Analyzed query → physical plan as data: source → filter (WHERE) → window or group aggregate →
// filter (HAVING) → project, with expressions already in the engine's IR.

import { GROUPING_SET_COLUMN, outputColumns, type ColumnSchema, type DataType, type NamedExpr, type PlanNode, type QueryPlan, type SinkSpec } from '../engine/plan/index.js';
import type { LogicalInput, LogicalSelect } from './logical-plan.js';

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
    else if (window.spec.kind === 'session') {
      node = { kind: 'sessionWindowAggregate', input: node, gapMs: window.spec.gapMs, timeColumn: window.timeColumn, keys, aggregates };
    } else node = { kind: 'windowAggregate', input: node, window: window.spec, timeColumn: window.timeColumn, keys, aggregates };
  }
  if (select.having) node = { kind: 'filter', input: node, predicate: select.having };
  return { kind: 'project', input: node, exprs: select.select };
}

function planInput(input: LogicalInput): PlanNode {
  if (input.kind === 'select') return planSelect(input.select);
  const { stream, eventTime } = input;
  return {
    kind: 'source',
    stream: stream.name,
    format: stream.format,
    columns: stream.columns,
    eventTime: { column: eventTime.column, watermarkDelayMs: eventTime.delayMs },
  };
}

export function planQuery(select: LogicalSelect, sink: SinkSpec): QueryPlan {
  const root = planSelect(select);
  const columns: ColumnSchema[] = select.select.map((e) => ({ name: e.name, type: e.expr.type }));
  return { root, sink, columns };
}
