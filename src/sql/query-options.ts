// What a query says about how it runs rather than what it computes, written after its outermost SELECT:
// the EMIT clause (emit-clause.ts) and the options of `… WITH (key = value, …)`:
//
//   bad_records = 'stream'          records the query cannot decode are also written to that stream, as
//                                   JSON (engine query/bad-record-sink.ts)
//   allowed_lateness = '1 minute'   a window takes late rows for that long after it closes; each revises
//                                   its row with a -U/+U pair (the output becomes a changelog)
//   late_rows = 'stream'            rows too late for every window they belong to are also written to
//                                   that stream, as JSON (engine query/late-row-sink.ts)
//
// EMIT and the window options are applied to the plan's aggregate nearest its output, found through projections and filters
// (subqueries included). Each mistake is reported where it is written.

import { changelogMode, durationText, MAX_STREAM_NAME_LENGTH, ROW_KIND_COLUMN, STREAM_NAME_PATTERN, type PlanNode, type QueryPlan, type StreamSchema } from '../engine/plan/index.js';
import type { FromItem, OptionEntry, Query } from './ast.js';
import { closest } from './did-you-mean.js';
import type { SqlCatalog } from './sql-catalog.js';
import type { SourceSpan, SqlErrorCode } from './sql-error.js';

type Fail = (code: SqlErrorCode, message: string, span: SourceSpan) => never;

export const QUERY_OPTION_KEYS = ['bad_records', 'allowed_lateness', 'late_rows', 'state_ttl'] as const;

/** The longest state time-to-live of a join: a year, as long as an interval join may span. */
export const MAX_STATE_TTL_MS = 366 * 86_400_000;

/** Longest allowed lateness: a week. Windows are kept that much longer, within the query's state bound. */
export const MAX_ALLOWED_LATENESS_MS = 7 * 86_400_000;

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

type Aggregate = Extract<PlanNode, { kind: 'windowAggregate' | 'sessionWindowAggregate' | 'staggerWindowAggregate' | 'groupAggregate' }>;

/** The aggregate nearest the plan's output, reached through projections and filters. */
function topAggregate(node: PlanNode): Aggregate | undefined {
  for (let n: PlanNode = node; ; n = n.input) {
    if (n.kind === 'windowAggregate' || n.kind === 'sessionWindowAggregate' || n.kind === 'staggerWindowAggregate' || n.kind === 'groupAggregate') return n;
    if (n.kind !== 'project' && n.kind !== 'filter') return undefined;
  }
}

/** Why session windows take neither allowed_lateness nor late_rows. */
const SESSION_LATENESS =
  'allowed_lateness and late_rows are not supported for SESSION windows: a row behind the watermark may bridge a session already emitted, so such rows are dropped and counted (lateRows)';

/** The plan tree with its top aggregate (see topAggregate) replaced. */
function replaceAggregate(node: PlanNode, aggregate: Aggregate, by: Aggregate): PlanNode {
  if (node === aggregate) return by;
  if (node.kind === 'project' || node.kind === 'filter') return { ...node, input: replaceAggregate(node.input, aggregate, by) };
  return node;
}

export class QueryOptions {
  constructor(
    private readonly catalog: SqlCatalog,
    private readonly fail: Fail,
  ) {}

  /** The plan of `query` with its EMIT clause and options applied; `source` is the stream it reads. */
  apply(plan: QueryPlan, query: Query, source: StreamSchema): QueryPlan {
    this.checkNotInSubqueries(query.from);
    let out = this.applyEmit(plan, query);
    const seen = new Set<string>();
    for (const entry of query.options ?? []) {
      if (!(QUERY_OPTION_KEYS as readonly string[]).includes(entry.key)) {
        const suggestion = closest(entry.key, QUERY_OPTION_KEYS);
        this.fail('InvalidOption', `Unknown query option '${entry.key}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (query options: ${QUERY_OPTION_KEYS.join(', ')})`, entry.span);
      }
      if (seen.has(entry.key)) this.fail('InvalidOption', `Option '${entry.key}' is given twice`, entry.span);
      seen.add(entry.key);
      out =
        entry.key === 'allowed_lateness'
          ? this.allowedLateness(out, entry)
          : entry.key === 'late_rows'
            ? this.lateRows(out, entry, source)
            : entry.key === 'state_ttl'
              ? this.stateTtl(out, entry)
              : this.badRecords(out, entry, source);
    }
    this.checkRowKindFree(out, query);
    return out;
  }

  /** A changelog's rows carry their kind in ROW_KIND_COLUMN, so no result column may have that name. */
  private checkRowKindFree(plan: QueryPlan, query: Query): void {
    if (changelogMode(plan.root) === 'append' || !plan.columns.some((c) => c.name === ROW_KIND_COLUMN)) return;
    const item = query.items.find((i) => i.kind === 'expr' && (i.alias?.text ?? (i.expr.kind === 'columnRef' ? i.expr.name.text : '')) === ROW_KIND_COLUMN);
    this.fail(
      'InvalidStatement',
      `The rows of this query are a changelog, whose rows carry their kind in '${ROW_KIND_COLUMN}'; ${plan.sink.kind === 'stream' && !item ? `the stream it writes has a column of that name` : 'give this column another name with AS'}`,
      item?.span ?? query.span,
    );
  }

  /** EMIT and WITH belong to the query as a whole: written inside a subquery they would say nothing. */
  private checkNotInSubqueries(from: FromItem): void {
    if (from.kind !== 'subquery' && from.kind !== 'analyticsTable') return;
    const inner = from.kind === 'subquery' ? from.query : from.cursor;
    if (inner.emit) this.fail('InvalidStatement', 'EMIT goes after the outermost SELECT, not inside a subquery', inner.emit.span);
    const misplaced = inner.options?.[0];
    if (misplaced) this.fail('InvalidOption', `Query options such as '${misplaced.key}' go after the outermost SELECT, not inside a subquery`, misplaced.span);
    this.checkNotInSubqueries(inner.from);
  }

  private applyEmit(plan: QueryPlan, query: Query): QueryPlan {
    const emit = query.emit;
    if (!emit) return plan;
    const aggregate = topAggregate(plan.root);
    if (emit.kind === 'onWindowClose') {
      if (aggregate?.kind !== 'windowAggregate' && aggregate?.kind !== 'sessionWindowAggregate' && aggregate?.kind !== 'staggerWindowAggregate') {
        this.fail(
          'InvalidStatement',
          aggregate
            ? 'EMIT ON WINDOW CLOSE needs a window (TUMBLE or HOP): a GROUP BY without one emits its changes as they happen (EMIT CHANGES)'
            : 'EMIT ON WINDOW CLOSE needs a windowed GROUP BY (TUMBLE or HOP); this query emits its rows as they come',
          emit.span,
        );
      }
      return plan;
    }
    if (aggregate?.kind === 'staggerWindowAggregate') {
      this.fail('InvalidStatement', 'EMIT CHANGES on stagger windows is not supported: each window is emitted once, when it closes', emit.span);
    }
    if (aggregate?.kind === 'sessionWindowAggregate') {
      this.fail('InvalidStatement', 'EMIT CHANGES on session windows is not supported: each session is emitted once, when it closes (EMIT ON WINDOW CLOSE)', emit.span);
    }
    if (aggregate?.kind === 'windowAggregate') {
      this.fail(
        'InvalidStatement',
        "EMIT CHANGES on a windowed query is not supported: its windows emit once, when they close (EMIT ON WINDOW CLOSE); for late rows to revise them, add WITH (allowed_lateness = '1 minute')",
        emit.span,
      );
    }
    if (!emit.every) return plan;
    if (aggregate?.kind !== 'groupAggregate') this.fail('InvalidStatement', 'EMIT CHANGES EVERY needs a GROUP BY: the rows of a query without one are never revised, and go out as they come', emit.every.span);
    return { ...plan, root: replaceAggregate(plan.root, aggregate, { ...aggregate, emitEveryMs: emit.every.ms }) };
  }

  private allowedLateness(plan: QueryPlan, entry: OptionEntry): QueryPlan {
    const ms = this.duration(entry, 'allowed_lateness');
    const aggregate = topAggregate(plan.root);
    if (aggregate?.kind === 'sessionWindowAggregate') this.fail('InvalidOption', SESSION_LATENESS, entry.span);
    if (aggregate?.kind !== 'windowAggregate') {
      this.fail('InvalidOption', 'allowed_lateness applies to windows (TUMBLE or HOP), and this query has none: a row is late only for a window that has closed', entry.span);
    }
    if (ms > MAX_ALLOWED_LATENESS_MS) this.fail('InvalidOption', `allowed_lateness is at most 7 days, got ${durationText(ms)}`, entry.valueSpan);
    if (ms === 0) return plan;
    return { ...plan, root: replaceAggregate(plan.root, aggregate, { ...aggregate, allowedLatenessMs: ms }) };
  }

  /**
   * state_ttl: how long the query's regular joins keep each row, and its OVER windows over a changelog
   * each idle partition (by the query clock).
   */
  private stateTtl(plan: QueryPlan, entry: OptionEntry): QueryPlan {
    const ms = this.duration(entry, 'state_ttl');
    if (ms < 1 || ms > MAX_STATE_TTL_MS) this.fail('InvalidOption', `state_ttl is from 1 ms to 366 days, got ${durationText(ms)}`, entry.valueSpan);
    let kept = 0;
    const withTtl = (node: PlanNode): PlanNode => {
      if (node.kind === 'source') return node;
      if ('left' in node) {
        if (node.kind === 'regularJoin') kept++;
        return { ...node, left: withTtl(node.left), right: withTtl(node.right), ...(node.kind === 'regularJoin' ? { stateTtlMs: ms } : {}) };
      }
      if (node.kind === 'overAggregate' && changelogMode(node.input) === 'retract') {
        kept++;
        return { ...node, input: withTtl(node.input), stateTtlMs: ms };
      }
      return { ...node, input: withTtl(node.input) } as PlanNode;
    };
    const root = withTtl(plan.root);
    if (kept === 0) {
      this.fail(
        'InvalidOption',
        'state_ttl applies to regular joins (JOIN … ON a.k = b.k without bounds in time) and OVER windows over a changelog, and this query has neither: interval and window joins, and OVER windows over rows never revised, let rows go as the watermark passes',
        entry.span,
      );
    }
    return { ...plan, root };
  }

  private lateRows(plan: QueryPlan, entry: OptionEntry, source: StreamSchema): QueryPlan {
    const stream = this.streamName(entry);
    if (topAggregate(plan.root)?.kind === 'sessionWindowAggregate') this.fail('InvalidOption', SESSION_LATENESS, entry.span);
    if (topAggregate(plan.root)?.kind !== 'windowAggregate') {
      this.fail('InvalidOption', 'late_rows applies to windows (TUMBLE or HOP), and this query has none: no row of it is ever late', entry.span);
    }
    if (stream === source.name) this.fail('InvalidOption', `late_rows cannot be the stream the query reads ('${stream}'): its late rows would be read again`, entry.valueSpan);
    const known = this.catalog.stream(stream);
    if (known && known.format.kind !== 'json') this.fail('InvalidOption', `late rows are written as JSON, but '${stream}' has format ${known.format.kind}`, entry.valueSpan);
    return { ...plan, lateRows: { stream } };
  }

  /** bad_records: a stream name; the stream must exist when the query starts. */
  private badRecords(plan: QueryPlan, entry: OptionEntry, source: StreamSchema): QueryPlan {
    const stream = this.streamName(entry);
    const known = this.catalog.stream(stream);
    if (stream === source.name) this.fail('InvalidOption', `bad_records cannot be the stream the query reads ('${stream}'): its bad records would be read again`, entry.valueSpan);
    if (known && known.format.kind !== 'json') this.fail('InvalidOption', `bad_records are written as JSON, but '${stream}' has format ${known.format.kind}`, entry.valueSpan);
    return { ...plan, badRecords: { stream } };
  }

  private streamName(entry: OptionEntry): string {
    const stream = typeof entry.value === 'string' ? entry.value : '';
    if (stream.length > MAX_STREAM_NAME_LENGTH || !STREAM_NAME_PATTERN.test(stream)) {
      this.fail('InvalidOption', `${entry.key} must name a stream, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
    }
    return stream;
  }

  /** '1 minute', '30 s', '500 ms', '2 hours': a duration in ms. */
  private duration(entry: OptionEntry, key: string): number {
    const usage = `${key} is a duration such as '1 minute', '30 seconds' or '500 ms'`;
    if (typeof entry.value !== 'string') return this.fail('InvalidOption', `${usage}, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
    const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(entry.value);
    const unit = match ? DURATION_UNITS[match[2]!.toLowerCase()] : undefined;
    if (!match || unit === undefined) return this.fail('InvalidOption', `${usage}, got '${entry.value}'`, entry.valueSpan);
    const ms = Math.round(Number(match[1]) * unit);
    return ms;
  }
}
