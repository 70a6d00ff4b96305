import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { WindowAggregateNode } from '../../../src/engine/plan/plan.js';
import { WindowAggregate } from '../../../src/engine/operators/window-aggregate.js';
import { Harness } from './helpers.js';
import type { Value } from './helpers.js';

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
    const out: Record<string, Value>[] = [];
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
