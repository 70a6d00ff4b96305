// Query checkpoints in a shared bucket: read back whole (a full checkpoint and its deltas, chunked when
// large), fenced so a former holder's writes cannot land once another process has claimed the query, and
// bounded in size and in the keys they leave behind.
import { describe, expect, it } from 'vitest';
import { ClusterCheckpoints } from '../../../src/engine/cluster/cluster-checkpoints.js';
import { KvConflict } from '../../../src/engine/cluster/shared-kv.js';
import type { QueryCheckpoint } from '../../../src/engine/plan/checkpoint.js';
import { MemoryKv } from '../../support/memory-kv.js';

const full = (after: string, state: unknown): QueryCheckpoint => ({ shards: { 'shardId-000000000000': { after } }, operators: [{ version: 1, state }] });
const delta = (after: string, change: unknown): QueryCheckpoint => ({ shards: { 'shardId-000000000000': { after } }, changes: [[{ version: 1, state: change }]] });

describe('ClusterCheckpoints', () => {
  it('gives the next holder the last full checkpoint with every delta after it', async () => {
    const kv = new MemoryKv();
    const { checkpoint, writer } = await new ClusterCheckpoints(kv, { holder: 'a' }).claim('q1');
    expect(checkpoint).toBeUndefined();
    await writer.save(full('10', ['x']));
    await writer.save(delta('20', ['y']));
    await writer.save(delta('30', ['z']));
    const taken = await new ClusterCheckpoints(kv, { holder: 'b' }).claim('q1');
    expect(taken.checkpoint).toEqual({ shards: { 'shardId-000000000000': { after: '30' } }, operators: [{ version: 1, state: ['x'] }], changes: [[{ version: 1, state: ['y'] }], [{ version: 1, state: ['z'] }]] });
  });

  it('fences off a former holder: its next save is refused and the new holder’s checkpoint stands', async () => {
    const kv = new MemoryKv();
    const a = (await new ClusterCheckpoints(kv, { holder: 'a' }).claim('q1')).writer;
    await a.save(full('10', 'a1'));
    const b = (await new ClusterCheckpoints(kv, { holder: 'b' }).claim('q1')).writer;
    await expect(a.save(full('15', 'a2'))).rejects.toBeInstanceOf(KvConflict);
    expect(a.superseded).toBe(true);
    await b.save(full('12', 'b1'));
    expect((await new ClusterCheckpoints(kv, { holder: 'c' }).claim('q1')).checkpoint).toEqual(full('12', 'b1'));
  });

  it('splits a checkpoint larger than one value into chunks and joins them again', async () => {
    const kv = new MemoryKv(4096);
    const big = 'x'.repeat(50_000);
    const { writer } = await new ClusterCheckpoints(kv, { holder: 'a' }).claim('q1');
    await writer.save(full('10', big));
    expect((await new ClusterCheckpoints(kv, { holder: 'b' }).claim('q1')).checkpoint).toEqual(full('10', big));
  });

  it('refuses a checkpoint over its bound, naming the bound', async () => {
    const { writer } = await new ClusterCheckpoints(new MemoryKv(), { holder: 'a', maxBytes: 1000 }).claim('q1');
    await expect(writer.save(full('10', 'y'.repeat(2000)))).rejects.toThrow(/checkpoint of query q1 would take 2,\d{3} bytes, over the bound of 1,000 bytes/);
  });

  it('writes over its own older pieces instead of adding keys, however many checkpoints it takes', async () => {
    const kv = new MemoryKv();
    const { writer } = await new ClusterCheckpoints(kv, { holder: 'a' }).claim('q1');
    for (let i = 0; i < 10; i++) {
      await writer.save(full(String(i * 10), i));
      await writer.save(delta(String(i * 10 + 5), i));
    }
    // The head and two slots of a full checkpoint and one delta each.
    expect(kv.keys().length).toBe(5);
  });

  it('leaves nothing behind once the query is removed', async () => {
    const kv = new MemoryKv();
    const checkpoints = new ClusterCheckpoints(kv, { holder: 'a' });
    await (await checkpoints.claim('q1')).writer.save(full('10', 'a'));
    await checkpoints.remove('q1');
    expect(kv.keys()).toEqual([]);
  });
});
