// A query split into parts (StoredQuery.parallelism): the plan cut at its GROUP BY. Below the cut each
// part reads its share of the source's shards, filters and projects, and sends every row to the part
// that owns its group key, through an exchange stream of one shard per part; above the cut each part
// reads its exchange shard and aggregates the keys it owns. So each key's state lives in one part.
import { EddyError } from '../errors.js';
import type { Expr } from './expr.js';
import { outputColumns, type NamedExpr, type PlanNode, type QueryPlan, type SourceNode } from './plan.js';
import { SYSTEM_COLUMNS, type ColumnSchema } from './schema.js';

/** Parts one query may be split into. */
export const MAX_PARALLELISM = 64;

/**
 * The exchange stream of a split query is `__eddy_exchange_<query id>`: users cannot create a name with
 * this prefix through the Kinesis API, which does not list such streams either.
 */
export const EXCHANGE_STREAM_PREFIX = '__eddy_exchange_';

export const exchangeStreamOf = (queryId: string): string => `${EXCHANGE_STREAM_PREFIX}${queryId}`;

/** The aggregates a plan is cut at: each groups rows by keys, so a key's rows can be sent to one place. */
const KEYED = new Set<PlanNode['kind']>(['windowAggregate', 'sessionWindowAggregate', 'staggerWindowAggregate', 'groupAggregate']);

type KeyedNode = Extract<PlanNode, { kind: 'windowAggregate' | 'sessionWindowAggregate' | 'staggerWindowAggregate' | 'groupAggregate' }>;

/** Columns the sending half appends to its rows: where each row came from, so a part receiving a row twice (after a takeover) sees it. */
export const ORIGIN_COLUMNS: readonly ColumnSchema[] = [
  { name: '$shard', type: 'VARCHAR' },
  { name: '$sequence', type: 'VARCHAR' },
  { name: '$sub', type: 'BIGINT' },
];

export interface SplitPlan {
  readonly parts: number;
  /**
   * What part `index` (0-based) runs before the exchange: the source (reading shard n when n mod parts
   * = index), the filters and projections below the cut, then one projection whose columns are the
   * aggregate's input columns (`exchangeColumns`), the group keys (`keyCount` of them), and ORIGIN_COLUMNS.
   */
  sender(index: number): QueryPlan;
  /** What part `index` runs after the exchange: the plan, its aggregate reading exchange shard `index`. */
  receiver(index: number): QueryPlan;
  /** The aggregate's input columns, as the exchange carries them (named c0, c1, … in its records). */
  readonly exchangeColumns: readonly ColumnSchema[];
  readonly keyCount: number;
  readonly exchangeStream: string;
}

/**
 * Cuts `plan` at its first GROUP BY or window aggregate over one stream, or says why it cannot be: the
 * plan must read one stream, and only filters and projections may stand between it and the aggregate.
 */
export function splitPlan(plan: QueryPlan, parts: number, exchangeStream: string): SplitPlan {
  if (!(Number.isSafeInteger(parts) && parts >= 2 && parts <= MAX_PARALLELISM)) {
    throw new EddyError('ValidationException', `a query's parallelism must be a whole number from 1 to ${MAX_PARALLELISM}, got ${parts}`);
  }
  if (plan.lateRows !== undefined || plan.badRecords !== undefined) {
    throw new EddyError('ValidationException', 'a query with parallelism above 1 cannot write its late rows or bad records to a stream yet (WITH late_rows / bad_records)');
  }
  const path = pathToCut(plan.root);
  const cut = path[path.length - 1] as KeyedNode;
  const chain = chainBelow(cut.input);
  const source = chain[chain.length - 1] as SourceNode;
  if (source.shards !== undefined) throw new EddyError('ValidationException', 'a query over part of a stream\'s shards cannot be split further');
  const exchangeColumns = outputColumns(cut.input).map((c, i) => ({ name: `c${i}`, type: c.type }));
  const keys = cut.keys.map((k) => k.expr);

  const sender = (index: number): QueryPlan => {
    const threaded = withOrigins(cut.input, { index: index + 1, count: parts });
    const exprs: NamedExpr[] = [
      ...exchangeColumns.map((c, i) => ({ name: c.name, expr: { kind: 'column', index: i, name: c.name, type: c.type } as Expr })),
      ...keys.map((expr, i) => ({ name: `k${i}`, expr })),
      ...ORIGIN_COLUMNS.map((c, i) => ({ name: c.name, expr: { kind: 'column', index: threaded.at + i, name: c.name, type: c.type } as Expr })),
    ];
    const root: PlanNode = { kind: 'project', input: threaded.node, exprs };
    return { root, sink: { kind: 'subscribers' }, columns: outputColumns(root) };
  };

  const receiver = (index: number): QueryPlan => {
    const timeColumn = 'timeColumn' in cut ? cut.timeColumn : exchangeColumns.length;
    const exchange: SourceNode = {
      kind: 'source',
      stream: exchangeStream,
      format: { kind: 'json' },
      columns: exchangeColumns,
      eventTime: { column: timeColumn, watermarkDelayMs: 0 },
      shards: { index: index + 1, count: parts },
    };
    return { ...plan, root: replaceCutInput(plan.root, path, exchange) };
  };

  return { parts, sender, receiver, exchangeColumns, keyCount: keys.length, exchangeStream };
}

/** The nodes from the root down to the aggregate the plan is cut at (the one nearest the source). */
function pathToCut(root: PlanNode): PlanNode[] {
  const path: PlanNode[] = [];
  let node: PlanNode = root;
  let cutAt = -1;
  for (;;) {
    path.push(node);
    if (KEYED.has(node.kind)) cutAt = path.length - 1;
    if (node.kind === 'source') break;
    const inputs = singleInput(node);
    if (inputs === undefined) throw new EddyError('ValidationException', `a query with parallelism above 1 must read one stream; this one has a ${node.kind}`);
    node = inputs;
  }
  if (cutAt < 0) throw new EddyError('ValidationException', 'a query with parallelism above 1 needs a GROUP BY (or a window aggregate) to split its rows by key');
  const cut = path[cutAt] as KeyedNode;
  chainBelow(cut.input);
  return path.slice(0, cutAt + 1);
}

function singleInput(node: PlanNode): PlanNode | undefined {
  if (node.kind === 'source') return undefined;
  if ('input' in node && node.kind !== 'lookupJoin') return node.input;
  return undefined;
}

/** The filters and projections below an aggregate, then its source; anything else cannot be split yet. */
function chainBelow(node: PlanNode): PlanNode[] {
  const chain: PlanNode[] = [];
  for (let n: PlanNode = node; ; ) {
    chain.push(n);
    if (n.kind === 'source') return chain;
    if (n.kind !== 'filter' && n.kind !== 'project') {
      throw new EddyError('ValidationException', `a query with parallelism above 1 is split at its GROUP BY, and only filters and projections may come before it; this one has a ${n.kind}`);
    }
    n = n.input;
  }
}

/**
 * The chain with its source reading `shards`, and each projection carrying the source's shard, sequence
 * and sub-sequence number columns along at its end; returns where they are in the chain's output.
 */
function withOrigins(node: PlanNode, shards: { index: number; count: number }): { node: PlanNode; at: number } {
  if (node.kind === 'source') {
    const shardColumn = SYSTEM_COLUMNS.findIndex((c) => c.name === '_shard_id');
    return { node: { ...node, shards }, at: node.columns.length + shardColumn };
  }
  if (node.kind === 'filter') {
    const inner = withOrigins(node.input, shards);
    return { node: { ...node, input: inner.node }, at: inner.at };
  }
  if (node.kind === 'project') {
    const inner = withOrigins(node.input, shards);
    const exprs = [...node.exprs, ...ORIGIN_COLUMNS.map((c, i) => ({ name: c.name, expr: { kind: 'column', index: inner.at + i, name: c.name, type: c.type } as Expr }))];
    return { node: { ...node, input: inner.node, exprs }, at: node.exprs.length };
  }
  throw new EddyError('InternalFailure', `cannot carry row origins through a ${node.kind}`, 'internal');
}

/** The plan with the cut aggregate reading `exchange` instead of its input. */
function replaceCutInput(root: PlanNode, path: readonly PlanNode[], exchange: SourceNode): PlanNode {
  const rebuild = (depth: number): PlanNode => {
    const node = path[depth]!;
    if (depth === path.length - 1) return { ...node, input: exchange } as PlanNode;
    return { ...node, input: rebuild(depth + 1) } as PlanNode;
  };
  return path.length === 0 ? root : rebuild(0);
}
