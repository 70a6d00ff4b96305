import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/engine/plan/expr.js';
import type { JoinType, RegularJoinNode } from '../../../src/engine/plan/join.js';
import type { ColumnSchema, SourceNode } from '../../../src/engine/plan/index.js';
import { RegularJoin } from '../../../src/engine/operators/regular-join.js';
import { ArrayCollector } from '../../../src/engine/operators/operator.js';
import { batchToRows, type Row } from '../../../src/engine/batch/rows.js';
import { rowKindsOf } from '../../../src/engine/batch/row-kinds.js';
import { ROW_KINDS } from '../../../src/engine/plan/changelog.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { batchOf, type Value } from './helpers.js';
import { canonical, nestedLoopJoin, prng, run, type SideInput } from './two-input-harness.js';
import type { InputSide } from '../../../src/engine/operators/two-input-operator.js';

const users: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'name', type: 'VARCHAR' },
];
const orders: ColumnSchema[] = [
  { name: 'order_id', type: 'BIGINT' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
];
const source = (columns: readonly ColumnSchema[]): SourceNode => ({ kind: 'source', stream: 's', format: { kind: 'json' }, columns, eventTime: { column: 0, watermarkDelayMs: 0 } });
const col = (index: number, c: ColumnSchema): Expr => ({ kind: 'column', index, name: c.name, type: c.type });

function node(joinType: JoinType, extra: Partial<RegularJoinNode> = {}): RegularJoinNode {
  return { kind: 'regularJoin', joinType, left: source(users), right: source(orders), leftKeys: [col(0, users[0]!)], rightKeys: [col(1, orders[1]!)], ...extra };
}

/** Feeds both sides in random batches; returns the changelog as rows with their kind, in order. */
function feed(op: RegularJoin, sides: readonly [SideInput, SideInput], batchRows: number, seed: number, clock = new ManualClock(0)): (Row & { _op: string })[] {
  const random = prng(seed);
  const ctx = { clock, metrics: { lateRows: 0 } };
  const out = new ArrayCollector();
  const next = [0, 0];
  while (next[0]! < sides[0].rows.length || next[1]! < sides[1].rows.length) {
    const open = ([0, 1] as InputSide[]).filter((s) => next[s]! < sides[s].rows.length);
    const s = open[Math.floor(random() * open.length)]!;
    const rows = sides[s].rows.slice(next[s], next[s]! + batchRows);
    next[s]! += rows.length;
    op.processSide(s, batchOf(sides[s].columns, rows), ctx, out);
  }
  return withKinds(out, op);
}

/** An operator's output batches as rows with their kind. */
function withKinds(out: ArrayCollector, op: RegularJoin): (Row & { _op: string })[] {
  return out.take().flatMap((b) => {
    const kinds = rowKindsOf(b);
    return batchToRows(b, op.outputColumns).map((r, i) => ({ ...r, _op: kinds ? ROW_KINDS[kinds[i]!]! : '+I' }));
  });
}

/** The result a changelog leaves: its +I rows less its -D rows, as a multiset. */
function applied(changes: readonly (Row & { _op: string })[]): string[] {
  const held = new Map<string, number>();
  for (const { _op, ...row } of changes) {
    const key = JSON.stringify(Object.values(row));
    const n = (held.get(key) ?? 0) + (_op === '-D' || _op === '-U' ? -1 : 1);
    expect(n, `${_op} of a row not held: ${key}`).toBeGreaterThanOrEqual(0);
    held.set(key, n);
  }
  return [...held].flatMap(([key, n]) => Array<string>(n).fill(key)).sort();
}

describe('RegularJoin', () => {
  const random = prng(4);
  const sides: [SideInput, SideInput] = [
    { columns: users, rows: Array.from({ length: 40 }, (_, i) => [random() < 0.1 ? null : `u${i % 25}`, `name ${i}`]), time: 0, delayMs: 0 },
    { columns: orders, rows: Array.from({ length: 120 }, (_, i) => [i, random() < 0.05 ? null : `u${Math.floor(random() * 35)}`, Math.round(random() * 1000) / 10]), time: 0, delayMs: 0 },
  ];
  const sameUser = (l: readonly Value[], r: readonly Value[]) => l[0] !== null && l[0] === r[1];

  for (const joinType of ['inner', 'left', 'right', 'full'] as const) {
    it(`emits a changelog that, applied in order, is the ${joinType} join of everything seen, whatever the batches`, () => {
      const expected = canonical(nestedLoopJoin(sides, joinType, sameUser));
      for (const [batch, seed] of [[1, 1], [7, 2], [500, 3]] as const) {
        const changes = feed(new RegularJoin(node(joinType), users, orders), sides, batch, seed);
        if (joinType === 'inner') expect(changes.every((c) => c._op === '+I')).toBe(true);
        expect(applied(changes)).toEqual(expected);
      }
    });
  }

  it('withdraws an outer row emitted alone (-D) right before the row of its first match', () => {
    const op = new RegularJoin(node('left'), users, orders);
    const changes = feed(op, [{ ...sides[0], rows: [['u1', 'Ana']] }, { ...sides[1], rows: [] }], 1, 1);
    expect(changes.map((c) => [c._op, c.name, c.order_id])).toEqual([['+I', 'Ana', null]]);
    const ctx = { clock: new ManualClock(0), metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    op.processSide(1, batchOf(orders, [[1, 'u1', 5], [2, 'u1', 6]]), ctx, out);
    const kinds = out.batches.flatMap((b) => [...(rowKindsOf(b) ?? [])].map((k) => ROW_KINDS[k]));
    expect(kinds).toEqual(['-D', '+I', '+I']);
  });

  it('keeps only the pairs the rest of the condition holds for', () => {
    // ON u.user_id = o.user_id AND o.amount > 50: amount is column 2 + 2 of the joined row.
    const condition: Expr = { kind: 'call', fn: 'gt', args: [col(4, orders[2]!), { kind: 'literal', value: 50, type: 'DOUBLE' }], type: 'BOOLEAN' };
    const expected = canonical(nestedLoopJoin(sides, 'full', (l, r) => sameUser(l, r) && (r[2] as number) > 50));
    expect(applied(feed(new RegularJoin(node('full', { condition }), users, orders), sides, 9, 5))).toEqual(expected);
  });

  it('forgets rows once the state time-to-live has passed on the query clock, and what it holds shows in its state count', () => {
    const clock = new ManualClock(0);
    const op = new RegularJoin(node('inner', { stateTtlMs: 60_000 }), users, orders);
    const ctx = { clock, metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    op.processSide(0, batchOf(users, [['u1', 'Ana']]), ctx, out);
    clock.advance(59_999);
    op.processSide(1, batchOf(orders, [[1, 'u1', 5]]), ctx, out);
    expect(out.take().reduce((n, b) => n + b.numRows, 0)).toBe(1);
    expect(op.stateEntries()).toBe(2);
    clock.advance(1);
    op.processSide(1, batchOf(orders, [[2, 'u1', 6]]), ctx, out);
    // The user arrived 60 s ago and is gone: the second order matches nothing.
    expect(out.take()).toEqual([]);
    expect(op.stateEntries()).toBe(2);
  });

  it('restores its rows and their match counts from a snapshot', () => {
    const expected = canonical(nestedLoopJoin(sides, 'full', sameUser));
    const first = new RegularJoin(node('full'), users, orders);
    const half = (s: SideInput, from: number, to?: number): SideInput => ({ ...s, rows: s.rows.slice(from, to) });
    const before = feed(first, [half(sides[0], 0, 20), half(sides[1], 0, 60)], 5, 6);
    const second = new RegularJoin(node('full'), users, orders);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const after = feed(second, [half(sides[0], 20), half(sides[1], 60)], 5, 7);
    expect(applied([...before, ...after])).toEqual(expected);
  });

  it('fails the query, naming the join, once it holds more rows than the state bound', () => {
    expect(() => feed(new RegularJoin(node('inner'), users, orders, { maxStateKeys: 50 }), sides, 10, 8)).toThrow(/query state exceeded 50 keys in join ON user_id = user_id/);
  });
});

describe('RegularJoin bounded in time by its condition', () => {
  // Nexmark's auctions and bids: a bid matches its auction when it comes between the auction's start and
  // its expiry, so an auction goes once the bids' watermark passes its expiry, a bid once the auctions'
  // watermark passes the bid's time.
  const auctions: ColumnSchema[] = [
    { name: 'id', type: 'BIGINT' },
    { name: 'dateTime', type: 'TIMESTAMP' },
    { name: 'expires', type: 'TIMESTAMP' },
  ];
  const bids: ColumnSchema[] = [
    { name: 'auction', type: 'BIGINT' },
    { name: 'dateTime', type: 'TIMESTAMP' },
    { name: 'price', type: 'BIGINT' },
  ];
  const DELAY = 40;
  const random = prng(11);
  // Times rise by 0–3 ms a row, out of order by less than the watermark delay: none is late in any batching.
  const jitter = (t: number) => t + Math.floor(random() * (DELAY / 2));
  const auctionRows = Array.from({ length: 300 }, (_, i) => {
    const start = jitter(i * 10);
    return [i, start, random() < 0.05 ? null : start + Math.floor(random() * 200)];
  });
  const bidRows = Array.from({ length: 1500 }, (_, i) => [Math.floor(i / 5) + Math.floor(random() * 12) - 6, jitter(i * 2), Math.floor(random() * 1000)]);
  const sides: [SideInput, SideInput] = [
    { columns: auctions, rows: auctionRows, time: 1, delayMs: DELAY },
    { columns: bids, rows: bidRows, time: 1, delayMs: DELAY },
  ];
  const ts = (index: number, c: ColumnSchema): Expr => ({ kind: 'column', index, name: c.name, type: c.type });
  // ON a.id = b.auction AND b.dateTime BETWEEN a.dateTime AND a.expires
  const bounded = (joinType: JoinType, extra: Partial<RegularJoinNode> = {}): RegularJoinNode => ({
    kind: 'regularJoin',
    joinType,
    left: source(auctions),
    right: source(bids),
    leftKeys: [ts(0, auctions[0]!)],
    rightKeys: [ts(0, bids[0]!)],
    condition: { kind: 'between', expr: ts(4, bids[1]!), low: ts(1, auctions[1]!), high: ts(2, auctions[2]!), negated: false, type: 'BOOLEAN' },
    leftExpiry: { until: [ts(2, auctions[2]!)], otherTime: 1 },
    rightExpiry: { until: [ts(1, bids[1]!)], otherTime: 1 },
    ...extra,
  });
  const matches = (a: readonly Value[], b: readonly Value[]) => a[0] === b[0] && a[2] !== null && (b[1] as number) >= (a[1] as number) && (b[1] as number) <= (a[2] as number);

  it('keeps its expiry bounded while the time-to-live lets rows go that the other side\'s standing watermark never reached', () => {
    const op = new RegularJoin(bounded('inner', { stateTtlMs: 1_000 }), auctions, bids);
    const clock = new ManualClock(0);
    const ctx = { clock, metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    let most = 0;
    // Bids for 40 s of the query clock, 100 every 100 ms; no auction comes, so their watermark stays put.
    for (let b = 0; b < 400; b++) {
      const rows = Array.from({ length: 100 }, (_, i) => [b * 100 + i, b * 100 + i, 1]);
      op.processSide(1, batchOf(bids, rows), ctx, out);
      op.onSideWatermark(1, b * 100, ctx, out);
      clock.advance(100);
      most = Math.max(most, op.expiryEntries());
    }
    // The time-to-live holds about a second of bids; the expiry never holds 40 s of them.
    expect(op.stateEntries()).toBeLessThanOrEqual(1_100);
    expect(most).toBeLessThan(2 * 1_100 + 4096 + 200);
    // The bids still held are let go by the auctions' watermark: their entries were kept.
    op.onSideWatermark(0, Number.MAX_SAFE_INTEGER, ctx, out);
    expect(op.stateEntries()).toBe(0);
    expect(out.take()).toEqual([]);
  });

  for (const joinType of ['inner', 'left', 'full'] as const) {
    it(`gives the ${joinType} join of everything seen, whatever the batches, while holding only the rows that can still match`, () => {
      const expected = canonical(nestedLoopJoin(sides, joinType, matches));
      for (const [batch, seed] of [[1, 1], [7, 2], [64, 3], [2000, 4]] as const) {
        const op = new RegularJoin(bounded(joinType), auctions, bids);
        let most = 0;
        const changes: (Row & { _op: string })[] = [];
        // The harness's run, watching what the join holds and keeping each row's kind.
        const watching = {
          outputColumns: op.outputColumns,
          processSide: (s: InputSide, b: Parameters<RegularJoin['processSide']>[1], ctx: Parameters<RegularJoin['processSide']>[2]) => {
            const out = new ArrayCollector();
            op.processSide(s, b, ctx, out);
            most = Math.max(most, op.stateEntries());
            changes.push(...withKinds(out, op));
          },
          onSideWatermark: (s: InputSide, wm: number, ctx: Parameters<RegularJoin['processSide']>[2]) => op.onSideWatermark(s, wm, ctx, new ArrayCollector()),
        };
        const { late } = run(watching, sides, batch, prng(seed));
        expect(late).toBe(0);
        expect(applied(changes)).toEqual(expected);
        // Every row let go by the end: both watermarks passed everything.
        expect(op.stateEntries()).toBe(0);
        // 1,800 rows came; only those within an auction's life of the watermarks were held at once.
        if (batch < 2000) expect(most).toBeLessThan(400);
      }
    });
  }

  it('drops the rows behind their own watermark in the column the other side is bounded by, and counts them late', () => {
    const op = new RegularJoin(bounded('inner'), auctions, bids);
    const ctx = { clock: new ManualClock(0), metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    op.processSide(0, batchOf(auctions, [[1, 1000, 5000]]), ctx, out);
    op.onSideWatermark(0, 1000, ctx, out);
    op.onSideWatermark(1, 2000, ctx, out);
    // A bid at 1,500 is behind the bids' watermark: late, though its auction is still kept.
    op.processSide(1, batchOf(bids, [[1, 1500, 7], [1, 2500, 8]]), ctx, out);
    expect(out.take().flatMap((b) => batchToRows(b, op.outputColumns)).map((r) => r.price)).toEqual([8]);
    expect(ctx.metrics.lateRows).toBe(1);
    // The auction goes once the bids' watermark passes its expiry, the bid once the auctions' passes its time.
    expect(op.stateEntries()).toBe(2);
    op.onSideWatermark(1, 5001, ctx, out);
    expect(op.stateEntries()).toBe(1);
    op.onSideWatermark(0, 2501, ctx, out);
    expect(op.stateEntries()).toBe(0);
  });

  it('keeps no row whose bound is NULL (it can match nothing), and emits it alone on an outer side', () => {
    const op = new RegularJoin(bounded('left'), auctions, bids);
    const ctx = { clock: new ManualClock(0), metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    op.processSide(0, batchOf(auctions, [[1, 1000, null]]), ctx, out);
    expect(out.take().flatMap((b) => batchToRows(b, op.outputColumns)).map((r) => [r.id, r.auction])).toEqual([[1, null]]);
    expect(op.stateEntries()).toBe(0);
  });

  it('lets rows go by the watermark and by the time-to-live alike, and restores when each goes from a snapshot', () => {
    const expected = canonical(nestedLoopJoin(sides, 'inner', matches));
    const half = (s: SideInput, from: number, to?: number): SideInput => ({ ...s, rows: s.rows.slice(from, to) });
    // A time-to-live far longer than the run: the watermark lets every row go first.
    const first = new RegularJoin(bounded('inner', { stateTtlMs: 3_600_000 }), auctions, bids);
    const ctx = { clock: new ManualClock(0), metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    const feedHalf = (op: RegularJoin, from: readonly [number, number], to: readonly [number, number]) => {
      for (let a = from[0], b = from[1]; a < to[0] || b < to[1]; a += 10, b += 50) {
        const [ra, rb] = [half(sides[0], a, Math.min(a + 10, to[0])).rows, half(sides[1], b, Math.min(b + 50, to[1])).rows];
        if (ra.length > 0) op.processSide(0, batchOf(auctions, ra), ctx, out);
        if (rb.length > 0) op.processSide(1, batchOf(bids, rb), ctx, out);
        const wm = (rows: readonly (readonly Value[])[], t: number) => Math.max(-Infinity, ...rows.map((r) => r[1] as number)) - t;
        if (ra.length > 0) op.onSideWatermark(0, wm(sides[0].rows.slice(0, Math.min(a + 10, to[0])), DELAY), ctx, out);
        if (rb.length > 0) op.onSideWatermark(1, wm(sides[1].rows.slice(0, Math.min(b + 50, to[1])), DELAY), ctx, out);
      }
    };
    feedHalf(first, [0, 0], [150, 750]);
    const held = first.stateEntries();
    expect(held).toBeGreaterThan(0);
    const second = new RegularJoin(bounded('inner', { stateTtlMs: 3_600_000 }), auctions, bids);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(second.stateEntries()).toBe(held);
    feedHalf(second, [150, 750], [300, 1500]);
    second.onSideWatermark(0, Number.MAX_SAFE_INTEGER, ctx, out);
    second.onSideWatermark(1, Number.MAX_SAFE_INTEGER, ctx, out);
    expect(second.stateEntries()).toBe(0);
    expect(canonical(out.take().flatMap((b) => batchToRows(b, first.outputColumns)))).toEqual(expected);
  });
});
