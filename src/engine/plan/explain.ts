// Renders a plan as EXPLAIN text: one node per line, children indented, expressions as SQL-like text
// with column references written name@index (the index into the child's output columns).

import { isDecimal, literalDecimalType } from './decimal.js';
import { unreachable } from '../errors.js';
import type { Expr } from './expr.js';
import { ARRIVAL_TIME_COLUMN } from './schema.js';
import type { JoinInputs, JoinRowExpiry } from './join.js';
import type { OverCall, OverFrame, SortKey } from './over.js';
import { outputColumns, type AggregateCall, type NamedExpr, type PlanNode, type QueryPlan, type SinkSpec, type WindowSpec } from './plan.js';

const INFIX: Readonly<Record<string, string>> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  mod: '%',
  eq: '=',
  ne: '<>',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  and: 'AND',
  or: 'OR',
  like: 'LIKE',
};

const INTERVAL_UNITS: readonly [string, number][] = [
  ['DAY', 86_400_000],
  ['HOUR', 3_600_000],
  ['MINUTE', 60_000],
  ['SECOND', 1000],
  ['MILLISECOND', 1],
];

/** 300000 → INTERVAL '5' MINUTE. */
export function intervalText(ms: number): string {
  const [unit, size] = INTERVAL_UNITS.find(([, size]) => ms % size === 0)!;
  return `INTERVAL '${ms / size}' ${unit}`;
}

/** 300000 → "5 min"; what EXPLAIN prints for window sizes and delays. */
export function durationText(ms: number): string {
  if (ms !== 0 && ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** A name as SQL would need it written: bare when it is a plain word, else in double quotes. */
function ident(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return `${ident(e.name)}@${e.index}`;
    case 'literal':
      if (e.value === null) return e.type === 'VARCHAR' ? 'NULL' : `CAST(NULL AS ${e.type})`;
      if (e.type === 'TIMESTAMP') return `TIMESTAMP '${new Date(e.value as number).toISOString()}'`;
      // A DECIMAL literal as SQL would write it: its digits, bare (0.908), or a cast where the type is not the literal's own.
      if (isDecimal(e.type)) return literalDecimalType(String(e.value)) === e.type ? String(e.value) : `CAST(${String(e.value)} AS ${e.type})`;
      if (typeof e.value === 'string') return quote(e.value);
      if (typeof e.value === 'boolean') return e.value ? 'TRUE' : 'FALSE';
      return e.type === 'DOUBLE' && Number.isInteger(e.value) ? `${e.value}.0` : String(e.value);
    case 'call':
      return callText(e.fn, e.args, e.type);
    case 'cast':
      return `CAST(${exprText(e.expr)} AS ${e.type})`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${exprText(w.when)} THEN ${exprText(w.then)}`).join(' ')}${e.else ? ` ELSE ${exprText(e.else)}` : ''} END`;
    case 'in':
      return `(${exprText(e.expr)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map(exprText).join(', ')}))`;
    case 'between':
      return `(${exprText(e.expr)} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${exprText(e.low)} AND ${exprText(e.high)})`;
    default:
      return unreachable(e, 'expression');
  }
}

function callText(fn: string, args: readonly Expr[], type: string): string {
  const a = args.map(exprText);
  const infix = INFIX[fn];
  if (infix && args.length === 2) {
    const second = args[1]!;
    if (type === 'TIMESTAMP' && (fn === 'add' || fn === 'sub') && second.kind === 'literal' && typeof second.value === 'number') {
      return `(${a[0]} ${infix} ${intervalText(second.value)})`;
    }
    return `(${a[0]} ${infix} ${a[1]})`;
  }
  switch (fn) {
    case 'neg':
      return `(-${a[0]})`;
    case 'not':
      return `(NOT ${a[0]})`;
    case 'is_null':
      return `(${a[0]} IS NULL)`;
    case 'is_not_null':
      return `(${a[0]} IS NOT NULL)`;
    case 'concat':
      return `(${a.join(' || ')})`;
    case 'floor_time':
    case 'ceil_time':
      return `${fn === 'floor_time' ? 'FLOOR' : 'CEIL'}(${a[0]} TO ${unitText(args[1])})`;
    case 'extract':
      return `EXTRACT(${unitText(args[0])} FROM ${a[1]})`;
    case 'trim':
      return args.length === 3 ? `TRIM(${unitText(args[2])} ${a[1]} FROM ${a[0]})` : `TRIM(${a.join(', ')})`;
    case 'current_timestamp':
      return 'CURRENT_TIMESTAMP';
    default:
      return `${fn.toUpperCase()}(${a.join(', ')})`;
  }
}

function unitText(e: Expr | undefined): string {
  return e?.kind === 'literal' && typeof e.value === 'string' ? e.value : e ? exprText(e) : '?';
}

function named(list: readonly NamedExpr[]): string {
  return list.map((n) => (n.expr.kind === 'column' && n.expr.name === n.name ? exprText(n.expr) : `${ident(n.name)} := ${exprText(n.expr)}`)).join(', ');
}

function aggregateText(a: AggregateCall & { readonly name: string }): string {
  const fraction = a.fraction === undefined ? '' : `, ${a.fraction}`;
  const fn = a.fn === 'count_star' ? 'COUNT(*)' : a.fn === 'count_distinct' ? `COUNT(DISTINCT ${exprText(a.arg!)})` : `${a.fn.toUpperCase()}(${exprText(a.arg!)}${fraction})`;
  return `${ident(a.name)} := ${fn}${a.filter ? ` FILTER (WHERE ${exprText(a.filter)})` : ''}`;
}

/** TUMBLE(size=1 min), HOP(slide=10 s, size=1 min, offset=5 s), CUMULATE(step=1 h, size=1 d). */
export function windowSpecText(w: WindowSpec): string {
  const offset = w.offsetMs ? `, offset=${durationText(w.offsetMs)}` : '';
  switch (w.kind) {
    case 'tumble':
      return `TUMBLE(size=${durationText(w.sizeMs)}${offset})`;
    case 'hop':
      return `HOP(slide=${durationText(w.slideMs)}, size=${durationText(w.sizeMs)}${offset})`;
    case 'cumulate':
      return `CUMULATE(step=${durationText(w.stepMs)}, size=${durationText(w.sizeMs)}${offset})`;
    default:
      return unreachable(w, 'window');
  }
}

function sinkText(sink: SinkSpec): string {
  switch (sink.kind) {
    case 'subscribers':
      return 'subscribers';
    case 'stream':
      return `stream ${sink.stream}${sink.partitionKeyColumn ? ` partition_key=${sink.partitionKeyColumn}` : ''}${sink.recordFormat === 'csv' ? ' format=csv' : ''}${sink.arrivalTimeColumn ? ` arrival_time=${sink.arrivalTimeColumn}` : ''}`;
    default:
      return unreachable(sink, 'sink');
  }
}

/** `LEFT keys=[a@0 = b@1]`: a join's type and equality keys, each side's columns indexed in its own input. */
function joinText(node: Pick<JoinInputs, 'joinType' | 'leftKeys' | 'rightKeys'>): string {
  const keys = node.leftKeys.map((k, i) => `${exprText(k)} = ${exprText(node.rightKeys[i]!)}`);
  return `${node.joinType.toUpperCase()} keys=[${keys.join(', ')}]`;
}

/** The rest of an ON condition, over the joined row (left columns, then right columns). */
function conditionText(condition: Expr | undefined): string {
  return condition ? ` condition=${exprText(condition)}` : '';
}

function nodeLines(node: PlanNode, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  switch (node.kind) {
    case 'source': {
      const format = node.format;
      const mappings = Object.entries(format.mappings ?? {}).map(
        ([col, path]) => `${ident(col)} <- ${typeof path === 'number' ? `field ${path}` : `$${path.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('')}`}`,
      );
      const columns = node.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
      const timeName = ident(node.eventTime.column < node.columns.length ? node.columns[node.eventTime.column]!.name : ARRIVAL_TIME_COLUMN);
      out.push(
        `${pad}Source: ${node.stream} format=${format.kind}${format.delimiter !== undefined ? ` delimiter=${quote(format.delimiter)}` : ''} ` +
          `columns=[${columns}]${mappings.length ? ` paths=[${mappings.join(', ')}]` : ''} ` +
          `event_time=${timeName}@${node.eventTime.column} ${node.eventTime.processingTime ? 'processing_time' : `watermark_delay=${durationText(node.eventTime.watermarkDelayMs)}`}` +
          `${node.computed?.length ? ` computed=[${node.computed.map((c) => `${ident(node.columns[c.column]?.name ?? '?')} := ${c.proctime ? 'PROCTIME()' : exprText(c.expr)}`).join(', ')}]` : ''}` +
          `${node.shards ? ` shards=${node.shards.index}/${node.shards.count}` : ''}`,
      );
      return;
    }
    case 'filter':
      out.push(`${pad}Filter: ${exprText(node.predicate)}`);
      return nodeLines(node.input, depth + 1, out);
    case 'project':
      out.push(`${pad}Project: ${named(node.exprs)}`);
      return nodeLines(node.input, depth + 1, out);
    case 'expand': {
      const sets = node.sets.map((set) => `(${set.map((k) => ident(node.keys[k]?.name ?? '?')).join(', ')})`);
      out.push(`${pad}Expand: keys=[${named(node.keys)}] sets=[${sets.join(', ')}]`);
      return nodeLines(node.input, depth + 1, out);
    }
    case 'windowAggregate': {
      out.push(
        `${pad}WindowAggregate: ${windowSpecText(node.window)} time=${ident(outputColumns(node.input)[node.timeColumn]?.name ?? '?')}@${node.timeColumn} keys=[${named(node.keys)}] aggregates=[${node.aggregates.map(aggregateText).join(', ')}]` +
          (node.allowedLatenessMs ? ` allowed_lateness=${durationText(node.allowedLatenessMs)}` : ''),
      );
      return nodeLines(node.input, depth + 1, out);
    }
    case 'sessionWindowAggregate':
      out.push(
        `${pad}SessionWindowAggregate: SESSION(gap=${durationText(node.gapMs)}) time=${ident(outputColumns(node.input)[node.timeColumn]?.name ?? '?')}@${node.timeColumn} keys=[${named(node.keys)}] aggregates=[${node.aggregates.map(aggregateText).join(', ')}]`,
      );
      return nodeLines(node.input, depth + 1, out);
    case 'staggerWindowAggregate':
      out.push(
        `${pad}StaggerWindowAggregate: STAGGER(range=${durationText(node.rangeMs)}) time=${ident(outputColumns(node.input)[node.timeColumn]?.name ?? '?')}@${node.timeColumn} keys=[${named(node.keys)}] aggregates=[${node.aggregates.map(aggregateText).join(', ')}]`,
      );
      return nodeLines(node.input, depth + 1, out);
    case 'groupAggregate':
      out.push(
        `${pad}GroupAggregate: keys=[${named(node.keys)}] aggregates=[${node.aggregates.map(aggregateText).join(', ')}]` +
          (node.emitEveryMs ? ` emit_every=${durationText(node.emitEveryMs)}` : ''),
      );
      return nodeLines(node.input, depth + 1, out);
    case 'windowTable':
      out.push(`${pad}WindowTable: ${windowSpecText(node.window)} time=${ident(outputColumns(node.input)[node.timeColumn]?.name ?? '?')}@${node.timeColumn}`);
      return nodeLines(node.input, depth + 1, out);
    case 'lookupJoin': {
      const keys = node.keys.map((k, i) => `${exprText(k)} = ${ident(node.table)}.${exprText(node.tableKeys[i]!)}`);
      out.push(`${pad}LookupJoin: ${node.joinType.toUpperCase()} table=${ident(node.table)} keys=[${keys.join(', ')}]${conditionText(node.condition)}`);
      return nodeLines(node.input, depth + 1, out);
    }
    case 'intervalJoin': {
      const left = ident(outputColumns(node.left)[node.leftTime]?.name ?? '?');
      const right = ident(outputColumns(node.right)[node.rightTime]?.name ?? '?');
      const range = `right.${right}@${node.rightTime} - left.${left}@${node.leftTime} BETWEEN ${durationText(node.lowerMs)} AND ${durationText(node.upperMs)}`;
      out.push(`${pad}IntervalJoin: ${joinText(node)} time=[${range}]${conditionText(node.condition)}`);
      nodeLines(node.left, depth + 1, out);
      return nodeLines(node.right, depth + 1, out);
    }
    case 'temporalJoin': {
      const left = ident(outputColumns(node.left)[node.leftTime]?.name ?? '?');
      const right = ident(outputColumns(node.right)[node.rightTime]?.name ?? '?');
      out.push(`${pad}TemporalJoin: ${joinText(node)} as_of=left.${left}@${node.leftTime} version_time=right.${right}@${node.rightTime}${conditionText(node.condition)}`);
      nodeLines(node.left, depth + 1, out);
      return nodeLines(node.right, depth + 1, out);
    }
    case 'regularJoin': {
      // Which rows go by the watermark: `left rows once right watermark(ts@3) > expires@6`.
      const expiry = (side: 'left' | 'right', e: JoinRowExpiry | undefined): string[] => {
        if (e === undefined) return [];
        const other = side === 'left' ? 'right' : 'left';
        const until = e.until.length === 1 ? exprText(e.until[0]!) : `LEAST(${e.until.map(exprText).join(', ')})`;
        return [`${side} rows once ${other} watermark(${inputColumn(side === 'left' ? node.right : node.left, e.otherTime)}) > ${until}`];
      };
      const expire = [...expiry('left', node.leftExpiry), ...expiry('right', node.rightExpiry)];
      out.push(
        `${pad}RegularJoin: ${joinText(node)}${node.stateTtlMs === undefined ? '' : ` state_ttl=${durationText(node.stateTtlMs)}`}` +
          `${expire.length === 0 ? '' : ` expire=[${expire.join(', ')}]`}${conditionText(node.condition)}`,
      );
      nodeLines(node.left, depth + 1, out);
      return nodeLines(node.right, depth + 1, out);
    }
    case 'windowJoin': {
      const bounds = (w: { start: number; end: number }) => `window_start@${w.start}, window_end@${w.end}`;
      out.push(`${pad}WindowJoin: ${joinText(node)} windows=[left ${bounds(node.leftWindow)}; right ${bounds(node.rightWindow)}]${conditionText(node.condition)}`);
      nodeLines(node.left, depth + 1, out);
      return nodeLines(node.right, depth + 1, out);
    }
    case 'overAggregate':
      out.push(
        `${pad}OverAggregate: partition=[${named(node.partitionBy)}] order=${inputColumn(node.input, node.timeColumn)} frame=${frameText(node.frame)} calls=[${node.calls.map(overCallText).join(', ')}]${node.stateTtlMs === undefined ? '' : ` state_ttl=${durationText(node.stateTtlMs)}`}`,
      );
      return nodeLines(node.input, depth + 1, out);
    case 'topN': {
      const window = node.windowEndColumn === undefined ? '' : ` window_end=${inputColumn(node.input, node.windowEndColumn)}`;
      out.push(
        `${pad}TopN: ${node.fn.toUpperCase()}() <= ${node.limit} partition=[${named(node.partitionBy)}] order=[${node.orderBy.map(sortKeyText).join(', ')}]${window}${rankText(node.rankColumn)}`,
      );
      return nodeLines(node.input, depth + 1, out);
    }
    case 'deduplicate':
      out.push(`${pad}Deduplicate: keep=${node.keep} partition=[${named(node.partitionBy)}] order=${inputColumn(node.input, node.timeColumn)}${node.keep === 'first' ? '' : ' DESC'}${rankText(node.rankColumn)}`);
      return nodeLines(node.input, depth + 1, out);
    case 'randomCutForest': {
      const fn = node.explanation ? 'RANDOM_CUT_FOREST_WITH_EXPLANATION' : 'RANDOM_CUT_FOREST';
      const direction = node.explanation ? ` withDirectionality=${node.explanation.withDirectionality}` : '';
      out.push(
        `${pad}RandomCutForest: ${fn} columns=[${node.columns.map((c) => inputColumn(node.input, c)).join(', ')}] numberOfTrees=${node.numberOfTrees} ` +
          `subSampleSize=${node.subSampleSize} timeDecay=${node.timeDecay} shingleSize=${node.shingleSize}${direction} seed=${node.seed}`,
      );
      return nodeLines(node.input, depth + 1, out);
    }
    case 'hotspots':
      out.push(
        `${pad}Hotspots: columns=[${node.columns.map((c) => inputColumn(node.input, c)).join(', ')}] windowSize=${node.windowSize} scanRadius=${node.scanRadius} ` +
          `minimumNumberOfPointsInAHotspot=${node.minimumNumberOfPointsInAHotspot}`,
      );
      return nodeLines(node.input, depth + 1, out);
    default:
      return unreachable(node, 'plan node');
  }
}

function inputColumn(input: PlanNode, index: number): string {
  return `${ident(outputColumns(input)[index]?.name ?? '?')}@${index}`;
}

function frameText(frame: OverFrame): string {
  if (frame.kind === 'rows') {
    const end = frame.endPreceding ? `${frame.endPreceding} PRECEDING` : 'CURRENT ROW';
    return `ROWS BETWEEN ${frame.preceding === null ? 'UNBOUNDED' : frame.preceding} PRECEDING AND ${end}`;
  }
  const end = frame.endPrecedingMs ? `${intervalText(frame.endPrecedingMs)} PRECEDING` : 'CURRENT ROW';
  return `RANGE BETWEEN ${frame.precedingMs === null ? 'UNBOUNDED' : intervalText(frame.precedingMs)} PRECEDING AND ${end}`;
}

function overCallText(c: OverCall): string {
  const args = c.fn === 'count_star' ? ['*'] : [exprText(c.arg!), ...(c.offset === undefined ? [] : [String(c.offset)]), ...(c.default === undefined ? [] : [exprText(c.default)])];
  return `${ident(c.name)} := ${c.fn === 'count_star' ? 'COUNT' : c.fn.toUpperCase()}(${args.join(', ')})`;
}

function sortKeyText(k: SortKey): string {
  return `${exprText(k.expr)} ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`;
}

function rankText(column: string | undefined): string {
  return column === undefined ? '' : ` rank=${ident(column)}`;
}

/** The EXPLAIN text of a plan: its sink and output columns, then the node tree from the root down. */
export function explainPlan(plan: QueryPlan): string {
  const out = [`Sink: ${sinkText(plan.sink)} columns=[${plan.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')}]`];
  if (plan.badRecords) out.push(`Bad records: stream ${plan.badRecords.stream}`);
  if (plan.lateRows) out.push(`Late rows: stream ${plan.lateRows.stream}`);
  nodeLines(plan.root, 1, out);
  return out.join('\n');
}
