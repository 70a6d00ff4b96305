// An OVER aggregate over a changelog: whatever the changes and however they are batched, the rows its own
// changelog leaves are what DuckDB's OVER window gives over the rows the input's changelog leaves, across
// a snapshot too; a change revises only the rows whose frame reaches it; rows count against the state bound.
import type { RecordBatch } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { OverAggregateNode, OverCall } from '../../../src/engine/plan/over.js';
import { arrowSchema } from '../../../src/engine/batch/arrow-types.js';
import { changelogBatch, changelogSchema, DELETE, INSERT, UPDATE_AFTER, UPDATE_BEFORE } from '../../../src/engine/batch/row-kinds.js';
import { batchToRows, type Row } from '../../../src/engine/batch/rows.js';
import { ArrayCollector } from '../../../src/engine/operators/operator.js';
import { RetractingOverAggregate } from '../../../src/engine/operators/retracting-over-aggregate.js';
import { buildOperators } from '../../../src/engine/operators/registry.js';
import { everyBatching } from './batchings.js';
import { batchOf, newContext } from './helpers.js';

// What a Top-1 per auction emits (Nexmark q6's inner query): each auction's seller, winning price and its time.
const input: ColumnSchema[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'seller', type: 'VARCHAR' },
  { name: 'price', type: 'BIGINT' },
  { name: 't', type: 'TIMESTAMP' },
];
const col = (index: number) => ({ kind: 'column' as const, index, name: input[index]!.name, type: input[index]!.type });
const source = { kind: 'source' as const, stream: 's', format: { kind: 'json' as const }, columns: input, eventTime: { column: 3, watermarkDelayMs: 0 } };
const CALLS: OverCall[] = [
  { fn: 'avg', arg: col(2), type: 'BIGINT', name: 'mean' },
  { fn: 'count_star', type: 'BIGINT', name: 'n' },
  { fn: 'sum', arg: col(2), type: 'BIGINT', name: 'total' },
  { fn: 'max', arg: col(2), type: 'BIGINT', name: 'high' },
  { fn: 'first_value', arg: col(0), type: 'BIGINT', name: 'first_id' },
  { fn: 'lag', arg: col(0), offset: 1, type: 'BIGINT', name: 'prev_id' },
  { fn: 'lead', arg: col(0), offset: 1, type: 'BIGINT', name: 'next_id' },
];
const node = (preceding: number, calls = CALLS, endPreceding = 0): OverAggregateNode => ({
  kind: 'overAggregate',
  input: source,
  partitionBy: [{ name: 'seller', expr: col(1) }],
  timeColumn: 3,
  frame: { kind: 'rows', preceding, ...(endPreceding > 0 ? { endPreceding } : {}) },
  calls,
});

type Cells = [number, string, number | null, number];
type Change = { kind: number; row: Cells };

function changelog(changes: readonly Change[]): RecordBatch {
  const plain = batchOf(input, changes.map((c) => c.row));
  return changelogBatch(changelogSchema(arrowSchema(input)), plain.data.children, Int8Array.from(changes.map((c) => c.kind)));
}

/** The rows a changelog leaves: +I and +U add a row, -U and -D take an equal one away. */
function fold(rows: readonly Row[]): Row[] {
  const held = new Map<string, Row[]>();
  for (const { _op, ...row } of rows) {
    const key = JSON.stringify(row);
    const same = held.get(key) ?? [];
    if (_op === '+I' || _op === '+U') same.push(row);
    else if (same.pop() === undefined) expect.fail(`${String(_op)} of a row not held: ${key}`);
    held.set(key, same);
  }
  return sortRows([...held.values()].flat());
}

function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/**
 * A Top-1's changelog: auctions of a few sellers whose winning bid rises (a -U/+U, or -D/+I, with the new
 * bid's price and time), some withdrawn (-D); and the rows it leaves. Every bid has a time of its own.
 */
function upstream(seed: number, count: number): { changes: Change[]; final: Cells[] } {
  const random = rng(seed);
  const current = new Map<number, Cells>();
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) {
    const id = Math.floor(random() * 60);
    const old = current.get(id);
    if (old && random() < 0.1) {
      changes.push({ kind: DELETE, row: old });
      current.delete(id);
      continue;
    }
    const price = random() < 0.05 ? null : Math.floor(random() * 1000);
    const row: Cells = [id, `s${id % 4}`, price, 1_700_000_000_000 + i * 1000 + Math.floor(random() * 999)];
    if (old) changes.push(random() < 0.5 ? { kind: UPDATE_BEFORE, row: old } : { kind: DELETE, row: old }, { kind: random() < 0.5 ? UPDATE_AFTER : INSERT, row });
    else changes.push({ kind: INSERT, row });
    current.set(id, row);
  }
  return { changes, final: [...current.values()] };
}

let conn: DuckDBConnection;
beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(() => conn?.closeSync());

/** DuckDB's OVER window over the final rows, with the same frame and calls. */
async function oracle(final: readonly Cells[], preceding: number, endPreceding = 0): Promise<Row[]> {
  await conn.run('DROP TABLE IF EXISTS t; CREATE TABLE t (id BIGINT, seller VARCHAR, price BIGINT, t BIGINT)');
  const app = await conn.createAppender('t');
  for (const [id, seller, price, t] of final) {
    app.appendBigInt(BigInt(id));
    app.appendVarchar(seller);
    if (price === null) app.appendNull();
    else app.appendBigInt(BigInt(price));
    app.appendBigInt(BigInt(t));
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
  const w = `(PARTITION BY seller ORDER BY t ROWS BETWEEN ${preceding} PRECEDING AND ${endPreceding > 0 ? `${endPreceding} PRECEDING` : 'CURRENT ROW'})`;
  const result = await conn.runAndReadAll(
    `SELECT id, seller, price, t, CAST(trunc(avg(price) OVER ${w}) AS BIGINT) AS mean, count(*) OVER ${w} AS n, sum(price) OVER ${w} AS total,
            max(price) OVER ${w} AS high, first_value(id) OVER ${w} AS first_id,
            lag(id) OVER (PARTITION BY seller ORDER BY t) AS prev_id, lead(id) OVER (PARTITION BY seller ORDER BY t) AS next_id FROM t`,
  );
  return result.getRowObjectsJS().map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      const value = typeof v === 'bigint' ? Number(v) : (v as Row[string]);
      out[k] = k === 't' ? new Date(value as number).toISOString() : value;
    }
    return out;
  });
}

/** Feeds the batches to a fresh operator; after batch `snapshotAt` its state goes through JSON into another. */
function run(preceding: number, batches: readonly (readonly Change[])[], snapshotAt = -1, endPreceding = 0): Row[] {
  const make = () => new RetractingOverAggregate(node(preceding, CALLS, endPreceding), input);
  let op = make();
  const ctx = newContext();
  const out = new ArrayCollector();
  const rows: Row[] = [];
  batches.forEach((changes, b) => {
    op.processBatch(changelog(changes), ctx, out);
    for (const batch of out.take()) rows.push(...batchToRows(batch, op.outputColumns));
    if (b === snapshotAt) {
      const restored = make();
      restored.restore(JSON.parse(JSON.stringify(op.snapshot())));
      op = restored;
    }
  });
  return rows;
}

describe('RetractingOverAggregate', () => {
  it.each([0, 3, 10])('leaves DuckDB’s OVER (ROWS BETWEEN %i PRECEDING) of the rows the input leaves, in every batching', async (preceding) => {
    const { changes, final } = upstream(preceding + 1, 500);
    const want = sortRows(await oracle(final, preceding));
    expect(want.length).toBeGreaterThan(30);
    everyBatching(changes, (batches) => expect(fold(run(preceding, batches))).toEqual(want));
  });

  it('leaves DuckDB’s OVER (ROWS BETWEEN 4 PRECEDING AND 2 PRECEDING), a frame that leaves the row out', async () => {
    const { changes, final } = upstream(21, 500);
    const want = sortRows(await oracle(final, 4, 2));
    everyBatching(changes, (batches) => expect(fold(run(4, batches, -1, 2))).toEqual(want));
  });

  it('carries on from a snapshot as if it had not stopped', async () => {
    const { changes, final } = upstream(7, 400);
    const want = sortRows(await oracle(final, 3));
    const batches = Array.from({ length: Math.ceil(changes.length / 25) }, (_v, b) => changes.slice(b * 25, b * 25 + 25));
    for (const at of [0, 5, batches.length - 2]) expect(fold(run(3, batches, at)), `snapshot after batch ${at}`).toEqual(want);
  });

  it('emits the row added, then revises only the rows whose frame reaches it, and withdraws a row as it last emitted it', () => {
    const calls: OverCall[] = [{ fn: 'sum', arg: col(2), type: 'BIGINT', name: 'total' }];
    const op = new RetractingOverAggregate(node(1, calls), input);
    const out = new ArrayCollector();
    const t = (s: number) => 1_700_000_000_000 + s * 1000;
    const text = (changes: readonly Change[]): string[] => {
      op.processBatch(changelog(changes), newContext(), out);
      return out.take().flatMap((b) => batchToRows(b, op.outputColumns).map((r) => `${String(r._op)} ${String(r.id)} ${String(r.total)}`));
    };
    expect(text([1, 2, 3].map((id) => ({ kind: INSERT, row: [id, 's', id * 10, t(id * 10)] })))).toEqual(['+I 1 10', '+I 2 30', '+I 3 50']);
    // A row between 1 and 2: its frame is 1 and itself; 2's frame loses 1 and takes it; 3's is unchanged.
    expect(text([{ kind: INSERT, row: [4, 's', 100, t(15)] }])).toEqual(['+I 4 110', '-U 2 30', '+U 2 120']);
    // Withdrawn: 2 reads 1 again.
    expect(text([{ kind: DELETE, row: [4, 's', 100, t(15)] }])).toEqual(['-D 4 110', '-U 2 120', '+U 2 30']);
    // A row not held, and rows of another partition, change nothing here.
    expect(text([{ kind: DELETE, row: [9, 's', 1, t(1)] }])).toEqual([]);
    expect(op.heldRows).toBe(3);
    expect(op.partitionCount).toBe(1);
  });

  it('orders rows of one ORDER BY value by their values, so arrival order does not change the result', () => {
    const calls: OverCall[] = [{ fn: 'lag', arg: col(0), offset: 1, type: 'BIGINT', name: 'prev_id' }];
    const rows: Change[] = [3, 1, 2].map((id) => ({ kind: INSERT, row: [id, 's', 5, 1_700_000_000_000] }));
    const results = [rows, [...rows].reverse()].map((changes) => {
      const op = new RetractingOverAggregate(node(1, calls), input);
      const out = new ArrayCollector();
      op.processBatch(changelog(changes), newContext(), out);
      return fold(out.take().flatMap((b) => batchToRows(b, op.outputColumns)));
    });
    expect(results[0]).toEqual(results[1]);
  });

  it('fails the query, naming the OVER, when its live rows and partitions pass the state bound', () => {
    const op = new RetractingOverAggregate(node(2), input, {}, 10);
    const changes: Change[] = Array.from({ length: 10 }, (_v, i) => ({ kind: INSERT, row: [i, 's', i, 1_700_000_000_000 + i] }));
    expect(() => op.processBatch(changelog(changes), newContext(), new ArrayCollector())).toThrow(/query state exceeded 10 keys in OVER \(PARTITION BY seller\) over a changelog/);
  });

  it('with a state time-to-live, forgets a partition none of whose rows came or went for that long, and keeps that across a snapshot', () => {
    const ttl = { ...node(2), stateTtlMs: 60_000 };
    const op = new RetractingOverAggregate(ttl, input);
    const ctx = newContext();
    const out = new ArrayCollector();
    const T = 1_700_000_000_000;
    op.processBatch(changelog([{ kind: INSERT, row: [1, 'idle', 10, T] }, { kind: INSERT, row: [2, 'busy', 20, T] }]), ctx, out);
    ctx.clock.advance(40_000);
    // The busy seller's auction gets a higher bid: its row is withdrawn and added again.
    op.processBatch(changelog([{ kind: UPDATE_BEFORE, row: [2, 'busy', 20, T] }, { kind: UPDATE_AFTER, row: [2, 'busy', 25, T] }]), ctx, out);
    expect([op.partitionCount, op.heldRows]).toEqual([2, 2]);
    ctx.clock.advance(20_000);
    // 60 s since the idle seller's last change, 20 s since the busy one's.
    op.onWatermark(T, ctx);
    expect([op.partitionCount, op.heldRows]).toEqual([1, 1]);
    const restored = new RetractingOverAggregate(ttl, input, { clock: ctx.clock });
    restored.restore(JSON.parse(JSON.stringify(op.snapshot())));
    expect([restored.partitionCount, restored.heldRows]).toEqual([1, 1]);
    out.take();
    // A withdrawal of the forgotten row changes nothing; a new row of its seller starts the partition afresh.
    restored.processBatch(changelog([{ kind: DELETE, row: [1, 'idle', 10, T] }, { kind: INSERT, row: [3, 'idle', 30, T + 1] }]), ctx, out);
    expect(out.take().flatMap((b) => batchToRows(b, restored.outputColumns)).map((r) => [r._op, r.id, r.n])).toEqual([['+I', 3, 1]]);
    // The busy seller goes 60 s after its last change, as the snapshot had it.
    ctx.clock.advance(40_000);
    restored.onWatermark(T, ctx);
    expect([restored.partitionCount, restored.heldRows]).toEqual([1, 1]);
    ctx.clock.advance(60_000);
    restored.onWatermark(T, ctx);
    expect(restored.stateEntries()).toBe(0);
  });

  it('takes only ROWS frames reaching back a bounded number of rows', () => {
    const range: OverAggregateNode = { ...node(1), frame: { kind: 'range', precedingMs: 1000 } };
    expect(() => new RetractingOverAggregate(range, input)).toThrow(/ROWS frame/);
    expect(() => new RetractingOverAggregate({ ...node(1), frame: { kind: 'rows', preceding: null } }, input)).toThrow(/ROWS frame/);
  });

  it('is what an OVER aggregate over a changelog builds into, and its output is a changelog', () => {
    const topN = { kind: 'topN' as const, input: source, fn: 'row_number' as const, partitionBy: [{ name: 'id', expr: col(0) }], orderBy: [{ expr: col(2), descending: true, nullsFirst: false }], limit: 1 };
    const built = buildOperators({ ...node(10), input: topN });
    expect(built.operators.at(-1)).toBeInstanceOf(RetractingOverAggregate);
    expect(buildOperators(node(10)).operators.at(-1)).not.toBeInstanceOf(RetractingOverAggregate);
  });
});
