import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { WindowAggregateNode } from '../../../src/engine/plan/plan.js';
import { WindowAggregate } from '../../../src/engine/operators/window-aggregate.js';
import { batchOf, Harness } from './helpers.js';
import type { Value } from './helpers.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'k', type: 'VARCHAR' },
];
const node: WindowAggregateNode = {
  kind: 'windowAggregate',
  input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } },
  window: { kind: 'hop', sizeMs: 20_000, slideMs: 10_000 },
  timeColumn: 0,
  keys: [{ name: 'k', expr: { kind: 'column', index: 1, name: 'k', type: 'VARCHAR' } }],
  aggregates: [{ fn: 'count_star', name: 'n', type: 'BIGINT' }],
};

describe('WindowAggregate key ids', () => {
  it('follow the keys of open windows, not every key ever seen, with results unchanged', () => {
    const op = new WindowAggregate(node, input);
    const h = new Harness(op, input);
    const out: Row[] = [];
    let maxKeys = 0;
    // Every 10 s pane brings 3,000 keys never seen before, plus one key present throughout.
    for (let p = 0; p < 12; p++) {
      const rows: Value[][] = [[p * 10_000, 'always']];
      for (let i = 0; i < 3000; i++) rows.push([p * 10_000 + (i % 10_000), `p${p}-k${i}`]);
      h.push(rows);
      out.push(...h.watermark(p * 10_000 + 5000));
      maxKeys = Math.max(maxKeys, op.keyCount);
    }
    out.push(...h.watermark(1e9));
    expect(maxKeys).toBeLessThan(4 * 3000 + 4096 + 2);
    expect(out.filter((r) => r.k === 'always').map((r) => r.n)).toEqual(Array(13).fill(1).map((_, i) => (i === 0 || i === 12 ? 1 : 2)));
    expect(out.length).toBe(12 * 3000 * 2 + 13);
    expect(out.filter((r) => r.k === 'p5-k7').map((r) => [r.window_start, r.n])).toEqual([
      ['1970-01-01T00:00:40.000Z', 1],
      ['1970-01-01T00:00:50.000Z', 1],
    ]);
  });
});

describe('WindowAggregate with allowed lateness', () => {
  const late: WindowAggregateNode = { ...node, allowedLatenessMs: 30_000 };

  it('keeps fired windows across a snapshot, so a restarted query still revises them', () => {
    const a = new Harness(new WindowAggregate(late, input), input);
    a.push([[1000, 'x']]);
    expect(a.watermark(20_000)).toEqual([
      { _op: '+I', window_start: '1969-12-31T23:59:50.000Z', window_end: '1970-01-01T00:00:10.000Z', k: 'x', n: 1 },
      { _op: '+I', window_start: '1970-01-01T00:00:00.000Z', window_end: '1970-01-01T00:00:20.000Z', k: 'x', n: 1 },
    ]);
    const b = new Harness(new WindowAggregate(late, input), input);
    b.op.restore!(JSON.parse(JSON.stringify(a.op.snapshot!())));
    expect(b.push([[2000, 'x']])).toEqual([
      { _op: '-U', window_start: '1969-12-31T23:59:50.000Z', window_end: '1970-01-01T00:00:10.000Z', k: 'x', n: 1 },
      { _op: '+U', window_start: '1969-12-31T23:59:50.000Z', window_end: '1970-01-01T00:00:10.000Z', k: 'x', n: 2 },
      { _op: '-U', window_start: '1970-01-01T00:00:00.000Z', window_end: '1970-01-01T00:00:20.000Z', k: 'x', n: 1 },
      { _op: '+U', window_start: '1970-01-01T00:00:00.000Z', window_end: '1970-01-01T00:00:20.000Z', k: 'x', n: 2 },
    ]);
    // Past the lateness of the last of them, their state is gone and a row for them is late.
    b.watermark(50_000);
    expect(b.op instanceof WindowAggregate && b.op.openPanes).toBe(0);
    expect(b.push([[3000, 'x']])).toEqual([]);
    expect(b.ctx.metrics.lateRows).toBe(1);
  });

  it('hands late rows to the context with the end of their last window and the watermark they met', () => {
    const h = new Harness(new WindowAggregate(late, input), input);
    const seen: unknown[] = [];
    const ctx = { ...h.ctx, late: (rows: { batch: { numRows: number }; windowEnds: Float64Array; watermarkMs: number; allowedLatenessMs: number; timeColumn: number }) => seen.push({ rows: rows.batch.numRows, ends: [...rows.windowEnds], watermark: rows.watermarkMs, lateness: rows.allowedLatenessMs, time: rows.timeColumn }) };
    h.op.onWatermark!(100_000, ctx, h.out);
    h.op.processBatch(batchOfRows([[5000, 'x'], [95_000, 'y'], [12_000, 'z']]), ctx, h.out);
    expect(seen).toEqual([{ rows: 2, ends: [20_000, 30_000], watermark: 100_000, lateness: 30_000, time: 0 }]);
    expect(h.ctx.metrics.lateRows).toBe(2);
  });
});

function batchOfRows(rows: Value[][]) {
  return batchOf(input, rows);
}
