import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import { encodeBatch } from '../../../../src/engine/stream/log/record-frame.js';
import type { ShardLog } from '../../../../src/engine/stream/log/shard-log.js';
import { TailCache } from '../../../../src/engine/stream/log/tail-cache.js';
import { TailCacheBudget } from '../../../../src/engine/stream/log/tail-cache-budget.js';
import { decode, recordsAt } from './shard-log-contract.js';

/** A batch of one record of about 2 KB (key and data) at `offset`. */
const kilobyteAt = (offset: number) => encodeBatch(recordsAt(1, 'x'.repeat(1000)), offset);
/** What a cache charges for one such batch. */
const COST = (() => {
  const probe = new TailCache(1 << 20);
  probe.add(kilobyteAt(0));
  return probe.usedBytes;
})();

describe('TailCacheBudget', () => {
  it('drops the oldest batches of the whole store first, from whichever cache holds them', () => {
    const budget = new TailCacheBudget(4 * COST);
    const idle = new TailCache(1 << 20, budget);
    const busy = new TailCache(1 << 20, budget);
    idle.add(kilobyteAt(0));
    idle.add(kilobyteAt(1));
    for (let i = 0; i < 3; i++) busy.add(kilobyteAt(i));

    expect(budget.usedBytes).toBeLessThanOrEqual(4 * COST);
    expect(idle.firstOffset).toBe(1);
    expect(busy.firstOffset).toBe(0);

    busy.add(kilobyteAt(3));
    expect(idle.firstOffset).toBeUndefined();
    expect(busy.firstOffset).toBe(0);
    expect(budget.usedBytes).toBe(busy.usedBytes);
  });

  it('is given back what a cache drops on its own: its own cap, retention and clearing', () => {
    const budget = new TailCacheBudget(1 << 20);
    const small = new TailCache(2 * COST, budget);
    const other = new TailCache(1 << 20, budget);
    for (let i = 0; i < 5; i++) small.add(kilobyteAt(i));
    other.add(kilobyteAt(0));
    other.add(kilobyteAt(1));
    expect(budget.usedBytes).toBe(small.usedBytes + other.usedBytes);

    other.dropBefore(1);
    expect(budget.usedBytes).toBe(small.usedBytes + other.usedBytes);
    small.clear();
    expect(small.usedBytes).toBe(0);
    expect(budget.usedBytes).toBe(other.usedBytes);
  });

  it('keeps its accounts exact over many batches that come and go without filling it', () => {
    const budget = new TailCacheBudget(1 << 30);
    const caches = Array.from({ length: 3 }, () => new TailCache(3 * COST, budget));
    for (let i = 0; i < 5000; i++) caches[i % 3]!.add(kilobyteAt(Math.floor(i / 3)));
    expect(budget.usedBytes).toBe(caches.reduce((n, c) => n + c.usedBytes, 0));
    for (const cache of caches) cache.clear();
    expect(budget.usedBytes).toBe(0);
  });

  it('refuses a negative size', () => {
    expect(() => new TailCacheBudget(-1)).toThrow(/tailCacheTotalBytes must be zero or more, got -1/);
  });
});

describe('shard logs sharing a tail cache budget', () => {
  let dir: string | undefined;
  const logs: ShardLog[] = [];
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('serve records the budget dropped from memory by reading them from disk', async () => {
    dir = mkdtempSync(join(tmpdir(), 'eddy-budget-'));
    const budget = new TailCacheBudget(8 * 1024);
    const open = async (name: string) => {
      const log = await openFileShardLog(join(dir!, name), { fsync: 'always', tailCacheBudget: budget });
      logs.push(log);
      return log;
    };
    const first = await open('a');
    const second = await open('b');
    await first.append(recordsAt(1, 'a0', 'a1', 'a2'));
    for (let i = 0; i < 20; i++) await second.append(recordsAt(2, 'y'.repeat(1000)));

    expect(budget.usedBytes).toBeLessThanOrEqual(8 * 1024);
    const records = first.read(0, { maxRecords: 10, maxBytes: 1 << 20 });
    expect(records.map((r) => [r.offset, r.partitionKey.length > 0, decode(r.data)])).toEqual([
      [0, true, 'a0'],
      [1, true, 'a1'],
      [2, true, 'a2'],
    ]);
    expect(second.read(0, { maxRecords: 100, maxBytes: 1 << 24 })).toHaveLength(20);
  });
});
