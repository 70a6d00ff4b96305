import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLeaseTable } from '../../../src/engine/leases/file-lease-table.js';
import { MAX_GROUPS, MAX_LEASES_PER_GROUP, type LeaseTable } from '../../../src/engine/leases/lease-table.js';
import { SharedLeaseTable } from '../../../src/engine/leases/shared-lease-table.js';
import { MemoryKv } from '../../support/memory-kv.js';

// The same rules, whether the table is one process's or a cluster's.
const tables: [string, () => Promise<LeaseTable>][] = [
  ['in one process', () => FileLeaseTable.open(undefined)],
  ['on a cluster', () => SharedLeaseTable.open(new MemoryKv())],
];

describe.each(tables)('the consumer-group lease table %s', (_, open) => {
  it('changes a lease only when the caller names its current counter, as a conditional write', async () => {
    const table = await open();
    await table.createLease('g', 'orders', { leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' });
    await expect(table.createLease('g', 'orders', { leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' })).rejects.toMatchObject({ code: 'ConditionalCheckFailedException' });
    const taken = await table.takeLease('g', 'shardId-000000000000', 'w1', 0);
    expect(taken).toMatchObject({ leaseOwner: 'w1', leaseCounter: 1, ownerSwitchesSinceCheckpoint: 1 });
    // A second worker that read the lease before w1 took it loses the race.
    await expect(table.takeLease('g', 'shardId-000000000000', 'w2', 0)).rejects.toMatchObject({ code: 'ConditionalCheckFailedException', message: expect.stringContaining('counter is 1, not 0') });
    expect((await table.renewLease('g', 'shardId-000000000000', 'w1', 1)).leaseCounter).toBe(2);
    await expect(table.renewLease('g', 'shardId-000000000000', 'w2', 2)).rejects.toThrow(/held by w1, not w2/);
    const checkpointed = await table.checkpoint('g', 'shardId-000000000000', 'w1', 2, '49000000000000000000000000000007', 3);
    expect(checkpointed).toMatchObject({ checkpoint: '49000000000000000000000000000007', checkpointSubSequenceNumber: 3, leaseCounter: 3, ownerSwitchesSinceCheckpoint: 0 });
    // Stealing is taking with the counter the thief saw.
    expect(await table.takeLease('g', 'shardId-000000000000', 'w2', 3)).toMatchObject({ leaseOwner: 'w2', leaseCounter: 4 });
    await expect(table.checkpoint('g', 'shardId-000000000000', 'w1', 4, 'SHARD_END')).rejects.toMatchObject({ code: 'ConditionalCheckFailedException' });
    expect(await table.evictLease('g', 'shardId-000000000000', 'w2', 4)).toMatchObject({ leaseOwner: null, leaseCounter: 5 });
    expect(table.listGroups()).toEqual([{ groupName: 'g', streamName: 'orders', leases: 1, owners: [] }]);
    await table.deleteLease('g', 'shardId-000000000000');
    expect(table.listLeases('g')).toEqual([]);
    await table.deleteGroup('g');
    expect(table.listGroups()).toEqual([]);
    await table.flush();
  });

  it('refuses bad names and checkpoints with a message naming them', async () => {
    const table = await open();
    await expect(table.createLease('../up', 's', { leaseKey: 'a', checkpoint: 'LATEST' })).rejects.toThrow(/Consumer group name '..\/up' must be/);
    await expect(table.createLease('..', 's', { leaseKey: 'a', checkpoint: 'LATEST' })).rejects.toThrow(/not allowed/);
    await expect(table.createLease('g', 's', { leaseKey: 'a/b', checkpoint: 'LATEST' })).rejects.toThrow(/Lease key 'a\/b'/);
    await expect(table.createLease('g', 's', { leaseKey: 'a', checkpoint: 'somewhere' })).rejects.toThrow(/Checkpoint 'somewhere' must be/);
    await table.createLease('g', 's', { leaseKey: 'a', checkpoint: 'LATEST' });
    await expect(table.createLease('g', 'other', { leaseKey: 'b', checkpoint: 'LATEST' })).rejects.toThrow(/consumes stream s, not other/);
    expect(() => table.listLeases('nope')).toThrow(/Consumer group nope not found/);
    await expect(table.takeLease('g', 'b', 'w1', 0)).rejects.toThrow(/Lease b of consumer group g not found/);
    await table.flush();
  });

  it('refuses a group past the table\'s limit and a lease past its group\'s, naming the limit', async () => {
    const table = await open();
    for (let i = 0; i < MAX_LEASES_PER_GROUP; i++) await table.createLease('big', 's', { leaseKey: `shard-${i}`, checkpoint: 'LATEST' });
    await expect(table.createLease('big', 's', { leaseKey: 'one-more', checkpoint: 'LATEST' })).rejects.toMatchObject({ code: 'LimitExceededException', message: `Consumer group big already has ${MAX_LEASES_PER_GROUP.toString()} leases.` });
    for (let i = 1; i < MAX_GROUPS; i++) await table.createLease(`g${i}`, 's', { leaseKey: 'a', checkpoint: 'LATEST' });
    await expect(table.createLease('one-more', 's', { leaseKey: 'a', checkpoint: 'LATEST' })).rejects.toMatchObject({ code: 'LimitExceededException', message: expect.stringContaining(`already ${MAX_GROUPS.toString()} consumer groups`) });
    // A group that exists still takes leases.
    await table.createLease('g1', 's', { leaseKey: 'b', checkpoint: 'LATEST' });
    expect(table.listGroups()).toHaveLength(MAX_GROUPS);
    await table.flush();
  });
});

describe('the consumer-group lease table on a cluster', () => {
  it('is one table for every process: a lease taken through one cannot be taken at the same counter through another', async () => {
    const kv = new MemoryKv();
    const [p1, p2] = [await SharedLeaseTable.open(kv), await SharedLeaseTable.open(kv)];
    await p1.createLease('billing', 'orders', { leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' });
    await expect(p2.createLease('billing', 'orders', { leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' })).rejects.toMatchObject({ code: 'ConditionalCheckFailedException' });
    expect(p2.listLeases('billing')).toMatchObject([{ leaseKey: 'shardId-000000000000', leaseOwner: null, leaseCounter: 0 }]);
    // Both workers saw counter 0; exactly one take lands, whichever process it goes through.
    const outcomes = await Promise.allSettled([p1.takeLease('billing', 'shardId-000000000000', 'w1', 0), p2.takeLease('billing', 'shardId-000000000000', 'w2', 0)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = outcomes[0]!.status === 'fulfilled' ? 'w1' : 'w2';
    expect(p1.listLeases('billing')[0]).toMatchObject({ leaseOwner: winner, leaseCounter: 1 });
    expect(p2.listLeases('billing')[0]).toMatchObject({ leaseOwner: winner, leaseCounter: 1 });
    // The winner renews through the other process; a checkpoint through the first then needs the new counter.
    const [mine, other] = winner === 'w1' ? [p1, p2] : [p2, p1];
    await other.renewLease('billing', 'shardId-000000000000', winner, 1);
    await expect(mine.checkpoint('billing', 'shardId-000000000000', winner, 1, 'SHARD_END')).rejects.toMatchObject({ code: 'ConditionalCheckFailedException' });
    expect(await mine.checkpoint('billing', 'shardId-000000000000', winner, 2, 'SHARD_END')).toMatchObject({ leaseCounter: 3, checkpoint: 'SHARD_END' });
    await p2.deleteGroup('billing');
    expect(p1.listGroups()).toEqual([]);
    expect(kv.keys()).toEqual([]);
  });

  it('starts from what the bucket holds', async () => {
    const kv = new MemoryKv();
    const p1 = await SharedLeaseTable.open(kv);
    await p1.createLease('billing', 'orders', { leaseKey: 'shardId-000000000001', checkpoint: 'TRIM_HORIZON', parentLeaseKeys: ['shardId-000000000000'] });
    await p1.takeLease('billing', 'shardId-000000000001', 'w1', 0);
    const p2 = await SharedLeaseTable.open(kv);
    expect(p2.listGroups()).toEqual([{ groupName: 'billing', streamName: 'orders', leases: 1, owners: ['w1'] }]);
    expect(p2.listLeases('billing')).toEqual(p1.listLeases('billing'));
  });
});

describe('the consumer-group lease table in a data directory', () => {
  const dirs: string[] = [];
  const dataDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'eddy-leases-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps ownership and checkpoints across a restart, one file per group', async () => {
    const dir = dataDir();
    const table = await FileLeaseTable.open(dir);
    await table.createLease('billing', 'orders', { leaseKey: 'shardId-000000000001', checkpoint: 'TRIM_HORIZON', parentLeaseKeys: ['shardId-000000000000'] });
    await table.takeLease('billing', 'shardId-000000000001', 'w1', 0);
    await table.checkpoint('billing', 'shardId-000000000001', 'w1', 1, '49000000010000000000000000000042');
    await table.renewLease('billing', 'shardId-000000000001', 'w1', 2);
    await table.flush();
    const again = await FileLeaseTable.open(dir);
    expect(again.listLeases('billing')).toEqual([
      { leaseKey: 'shardId-000000000001', leaseOwner: 'w1', leaseCounter: 3, checkpoint: '49000000010000000000000000000042', checkpointSubSequenceNumber: 0, parentLeaseKeys: ['shardId-000000000000'], ownerSwitchesSinceCheckpoint: 0 },
    ]);
    expect(again.listGroups()).toEqual([{ groupName: 'billing', streamName: 'orders', leases: 1, owners: ['w1'] }]);
    expect(readdirSync(join(dir, 'consumer-groups'))).toEqual(['billing.json']);
    await again.deleteGroup('billing');
    expect(readdirSync(join(dir, 'consumer-groups'))).toEqual([]);
  });
});
