import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseTable } from '../../../src/engine/leases/lease-table.js';

describe('the consumer-group lease table', () => {
  const dirs: string[] = [];
  const dataDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'eddy-leases-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('changes a lease only when the caller names its current counter, as a conditional write', async () => {
    const table = await LeaseTable.open(undefined);
    await table.createLease('g', 'orders', { leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' });
    await expect(table.createLease('g', 'orders', { leaseKey: 'shardId-000000000000', checkpoint: 'TRIM_HORIZON' })).rejects.toMatchObject({ code: 'ConditionalCheckFailedException' });
    const taken = await table.takeLease('g', 'shardId-000000000000', 'w1', 0);
    expect(taken).toMatchObject({ leaseOwner: 'w1', leaseCounter: 1, ownerSwitchesSinceCheckpoint: 1 });
    // A second worker that read the lease before w1 took it loses the race.
    await expect(table.takeLease('g', 'shardId-000000000000', 'w2', 0)).rejects.toMatchObject({ code: 'ConditionalCheckFailedException', message: expect.stringContaining('counter is 1, not 0') });
    expect(table.renewLease('g', 'shardId-000000000000', 'w1', 1).leaseCounter).toBe(2);
    expect(() => table.renewLease('g', 'shardId-000000000000', 'w2', 2)).toThrow(/held by w1, not w2/);
    const checkpointed = await table.checkpoint('g', 'shardId-000000000000', 'w1', 2, '49000000000000000000000000000007', 3);
    expect(checkpointed).toMatchObject({ checkpoint: '49000000000000000000000000000007', checkpointSubSequenceNumber: 3, leaseCounter: 3, ownerSwitchesSinceCheckpoint: 0 });
    // Stealing is taking with the counter the thief saw.
    expect(await table.takeLease('g', 'shardId-000000000000', 'w2', 3)).toMatchObject({ leaseOwner: 'w2', leaseCounter: 4 });
    await expect(table.checkpoint('g', 'shardId-000000000000', 'w1', 4, 'SHARD_END')).rejects.toMatchObject({ code: 'ConditionalCheckFailedException' });
    expect(await table.evictLease('g', 'shardId-000000000000', 'w2', 4)).toMatchObject({ leaseOwner: null, leaseCounter: 5 });
  });

  it('refuses bad names and checkpoints with a message naming them', async () => {
    const table = await LeaseTable.open(undefined);
    await expect(table.createLease('../up', 's', { leaseKey: 'a', checkpoint: 'LATEST' })).rejects.toThrow(/Consumer group name '..\/up' must be/);
    await expect(table.createLease('..', 's', { leaseKey: 'a', checkpoint: 'LATEST' })).rejects.toThrow(/not allowed/);
    await expect(table.createLease('g', 's', { leaseKey: 'a/b', checkpoint: 'LATEST' })).rejects.toThrow(/Lease key 'a\/b'/);
    await expect(table.createLease('g', 's', { leaseKey: 'a', checkpoint: 'somewhere' })).rejects.toThrow(/Checkpoint 'somewhere' must be/);
    await table.createLease('g', 's', { leaseKey: 'a', checkpoint: 'LATEST' });
    await expect(table.createLease('g', 'other', { leaseKey: 'b', checkpoint: 'LATEST' })).rejects.toThrow(/consumes stream s, not other/);
    expect(() => table.listLeases('nope')).toThrow(/Consumer group nope not found/);
  });

  it('keeps ownership and checkpoints across a restart, one file per group', async () => {
    const dir = dataDir();
    const table = await LeaseTable.open(dir);
    await table.createLease('billing', 'orders', { leaseKey: 'shardId-000000000001', checkpoint: 'TRIM_HORIZON', parentLeaseKeys: ['shardId-000000000000'] });
    await table.takeLease('billing', 'shardId-000000000001', 'w1', 0);
    await table.checkpoint('billing', 'shardId-000000000001', 'w1', 1, '49000000010000000000000000000042');
    table.renewLease('billing', 'shardId-000000000001', 'w1', 2);
    await table.flush();
    const again = await LeaseTable.open(dir);
    expect(again.listLeases('billing')).toEqual([
      { leaseKey: 'shardId-000000000001', leaseOwner: 'w1', leaseCounter: 3, checkpoint: '49000000010000000000000000000042', checkpointSubSequenceNumber: 0, parentLeaseKeys: ['shardId-000000000000'], ownerSwitchesSinceCheckpoint: 0 },
    ]);
    expect(again.listGroups()).toEqual([{ groupName: 'billing', streamName: 'orders', leases: 1, owners: ['w1'] }]);
    expect(readdirSync(join(dir, 'consumer-groups'))).toEqual(['billing.json']);
    await again.deleteGroup('billing');
    expect(readdirSync(join(dir, 'consumer-groups'))).toEqual([]);
  });
});
