// Consumer-group leases stored in Eddy (the KCL keeps them in a DynamoDB table): one lease per shard and
// group, changed only by compare-and-set on its lease counter, as the KCL's conditional writes do. Expiry
// is the workers' business (a lease whose counter has not moved for the failover time is free to take),
// so the table holds no timers. Ownership changes and checkpoints are written to disk before they are
// acknowledged; renewals only bump a counter and ride along with the next write (after a crash a worker's
// renewal fails its compare-and-set and it takes the lease again).

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../atomic-file.js';
import { EddyError } from '../errors.js';
import { decodePathComponent, encodePathComponent, removeInside } from '../safe-path.js';

export interface Lease {
  /** The shard id. */
  readonly leaseKey: string;
  readonly leaseOwner: string | null;
  /** Bumped by every change (take, renew, checkpoint, evict): the token of compare-and-set. */
  readonly leaseCounter: number;
  /** A sequence number, TRIM_HORIZON, LATEST, AT_TIMESTAMP:<ms>, or SHARD_END once the shard is done. */
  readonly checkpoint: string;
  /** The user record inside an aggregate the checkpoint is at (0 for a whole record). */
  readonly checkpointSubSequenceNumber: number;
  readonly parentLeaseKeys: readonly string[];
  readonly ownerSwitchesSinceCheckpoint: number;
}

export interface GroupSummary {
  readonly groupName: string;
  readonly streamName: string;
  readonly leases: number;
  readonly owners: readonly string[];
}

/** Bounds: groups and leases per group (a lease is a shard, so this is far above any stream's shards). */
export const MAX_GROUPS = 1000;
export const MAX_LEASES_PER_GROUP = 10_000;
export const GROUP_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,128}$/;
const OWNER_PATTERN = /^[\x21-\x7e]{1,256}$/;
const CHECKPOINT_PATTERN = /^(\d{1,128}|TRIM_HORIZON|LATEST|SHARD_END|AT_TIMESTAMP:\d{1,16})$/;
const LEASE_KEY_PATTERN = /^[a-zA-Z0-9_.-]{1,128}$/;

interface Group {
  streamName: string;
  leases: Map<string, Lease>;
}

const conflict = (key: string, why: string): EddyError => new EddyError('ConditionalCheckFailedException', `Lease ${key}: ${why}`);

export class LeaseTable {
  private readonly groups = new Map<string, Group>();
  private readonly writes = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  private constructor(private readonly dir: string | undefined) {}

  static async open(dataDir: string | undefined): Promise<LeaseTable> {
    const table = new LeaseTable(dataDir === undefined ? undefined : join(dataDir, 'consumer-groups'));
    if (table.dir !== undefined) {
      let names: string[] = [];
      try {
        names = await readdir(table.dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      for (const file of names.filter((n) => n.endsWith('.json'))) {
        const name = decodePathComponent(file.slice(0, -'.json'.length));
        const saved = await readJsonFile<{ streamName: string; leases: Lease[] }>(join(table.dir, file));
        if (name !== undefined && saved) table.groups.set(name, { streamName: saved.streamName, leases: new Map(saved.leases.map((l) => [l.leaseKey, l])) });
      }
    }
    return table;
  }

  listGroups(): GroupSummary[] {
    return [...this.groups]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([groupName, g]) => ({ groupName, streamName: g.streamName, leases: g.leases.size, owners: [...new Set([...g.leases.values()].map((l) => l.leaseOwner).filter((o): o is string => o !== null))].sort() }));
  }

  listLeases(groupName: string): Lease[] {
    const g = this.group(groupName);
    return [...g.leases.values()].sort((a, b) => (a.leaseKey < b.leaseKey ? -1 : 1));
  }

  /** Creates the group on first use (for `streamName`); a group belongs to one stream for its life. */
  async createLease(groupName: string, streamName: string, input: { leaseKey: string; checkpoint: string; parentLeaseKeys?: readonly string[] }): Promise<Lease> {
    checkName(groupName);
    checkLeaseKey(input.leaseKey);
    checkCheckpoint(input.checkpoint);
    for (const p of input.parentLeaseKeys ?? []) checkLeaseKey(p);
    let g = this.groups.get(groupName);
    if (g === undefined) {
      if (this.groups.size >= MAX_GROUPS) throw new EddyError('LimitExceededException', `There are already ${MAX_GROUPS} consumer groups; delete one first.`);
      g = { streamName, leases: new Map() };
      this.groups.set(groupName, g);
    } else if (g.streamName !== streamName) {
      throw new EddyError('InvalidArgumentException', `Consumer group ${groupName} consumes stream ${g.streamName}, not ${streamName}.`);
    }
    const existing = g.leases.get(input.leaseKey);
    if (existing) throw conflict(input.leaseKey, 'already exists');
    if (g.leases.size >= MAX_LEASES_PER_GROUP) throw new EddyError('LimitExceededException', `Consumer group ${groupName} already has ${MAX_LEASES_PER_GROUP} leases.`);
    const lease: Lease = { leaseKey: input.leaseKey, leaseOwner: null, leaseCounter: 0, checkpoint: input.checkpoint, checkpointSubSequenceNumber: 0, parentLeaseKeys: [...(input.parentLeaseKeys ?? [])], ownerSwitchesSinceCheckpoint: 0 };
    g.leases.set(lease.leaseKey, lease);
    await this.persist(groupName);
    return lease;
  }

  /** Takes a lease (free, expired or stolen) if its counter is still `expectedCounter`. */
  async takeLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    checkOwner(owner);
    const lease = this.expect(groupName, leaseKey, expectedCounter);
    const switched = lease.leaseOwner !== owner;
    const next = this.put(groupName, { ...lease, leaseOwner: owner, leaseCounter: lease.leaseCounter + 1, ownerSwitchesSinceCheckpoint: lease.ownerSwitchesSinceCheckpoint + (switched ? 1 : 0) });
    await this.persist(groupName);
    return next;
  }

  /** Renews a held lease: bumps its counter if `owner` still holds it at `expectedCounter`. */
  renewLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Lease {
    const lease = this.expectOwned(groupName, leaseKey, owner, expectedCounter);
    // Not written now: a renewal only says "alive", and is saved with the group's next write.
    return this.put(groupName, { ...lease, leaseCounter: lease.leaseCounter + 1 });
  }

  async checkpoint(groupName: string, leaseKey: string, owner: string, expectedCounter: number, checkpoint: string, subSequenceNumber = 0): Promise<Lease> {
    checkCheckpoint(checkpoint);
    if (!Number.isSafeInteger(subSequenceNumber) || subSequenceNumber < 0) throw new EddyError('InvalidArgumentException', `Sub-sequence number ${subSequenceNumber} must be an integer ≥ 0.`);
    const lease = this.expectOwned(groupName, leaseKey, owner, expectedCounter);
    const next = this.put(groupName, { ...lease, leaseCounter: lease.leaseCounter + 1, checkpoint, checkpointSubSequenceNumber: subSequenceNumber, ownerSwitchesSinceCheckpoint: 0 });
    await this.persist(groupName);
    return next;
  }

  /** Gives a lease up (graceful shutdown hands it over at once instead of after the failover time). */
  async evictLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    const lease = this.expectOwned(groupName, leaseKey, owner, expectedCounter);
    const next = this.put(groupName, { ...lease, leaseOwner: null, leaseCounter: lease.leaseCounter + 1 });
    await this.persist(groupName);
    return next;
  }

  async deleteLease(groupName: string, leaseKey: string): Promise<void> {
    const g = this.group(groupName);
    if (!g.leases.delete(leaseKey)) throw new EddyError('ResourceNotFoundException', `Lease ${leaseKey} of consumer group ${groupName} not found.`);
    await this.persist(groupName);
  }

  async deleteGroup(groupName: string): Promise<void> {
    this.group(groupName);
    this.groups.delete(groupName);
    await this.writes.get(groupName)?.running;
    if (this.dir !== undefined) await removeInside(this.dir, join(this.dir, encodePathComponent(groupName, '.json')));
  }

  /** Waits for every write in flight (clean shutdown). */
  async flush(): Promise<void> {
    for (const name of this.groups.keys()) await this.persist(name);
  }

  private group(groupName: string): Group {
    checkName(groupName);
    const g = this.groups.get(groupName);
    if (!g) throw new EddyError('ResourceNotFoundException', `Consumer group ${groupName} not found.`);
    return g;
  }

  private expect(groupName: string, leaseKey: string, expectedCounter: number): Lease {
    const lease = this.group(groupName).leases.get(leaseKey);
    if (!lease) throw new EddyError('ResourceNotFoundException', `Lease ${leaseKey} of consumer group ${groupName} not found.`);
    if (!Number.isSafeInteger(expectedCounter)) throw new EddyError('InvalidArgumentException', `Lease counter ${expectedCounter} must be an integer.`);
    if (lease.leaseCounter !== expectedCounter) throw conflict(leaseKey, `its counter is ${lease.leaseCounter}, not ${expectedCounter} (it changed hands or was renewed)`);
    return lease;
  }

  private expectOwned(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Lease {
    const lease = this.expect(groupName, leaseKey, expectedCounter);
    if (lease.leaseOwner !== owner) throw conflict(leaseKey, `it is held by ${lease.leaseOwner ?? 'nobody'}, not ${owner}`);
    return lease;
  }

  private put(groupName: string, lease: Lease): Lease {
    this.groups.get(groupName)!.leases.set(lease.leaseKey, lease);
    return lease;
  }

  /**
   * Resolves once the group as it is now is on disk. One write per group at a time; changes made while
   * one runs are all saved by the single write after it.
   */
  private persist(groupName: string): Promise<void> {
    if (this.dir === undefined) return Promise.resolve();
    const state = this.writes.get(groupName);
    if (state?.next) return state.next;
    const write = async (): Promise<void> => {
      const g = this.groups.get(groupName);
      if (!g) return;
      await writeFileAtomic(join(this.dir!, encodePathComponent(groupName, '.json')), JSON.stringify({ streamName: g.streamName, leases: [...g.leases.values()] }));
    };
    if (!state) {
      const running = write().finally(() => this.advance(groupName));
      this.writes.set(groupName, { running });
      return running;
    }
    const next = state.running.catch(() => undefined).then(write);
    state.next = next;
    return next;
  }

  private advance(groupName: string): void {
    const state = this.writes.get(groupName);
    if (!state) return;
    if (state.next) {
      const running = state.next.finally(() => this.advance(groupName));
      this.writes.set(groupName, { running });
    } else this.writes.delete(groupName);
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !GROUP_NAME_PATTERN.test(name)) throw new EddyError('InvalidArgumentException', `Consumer group name '${String(name).slice(0, 140)}' must be 1-128 of [a-zA-Z0-9_.-].`);
  if (name === '.' || name === '..') throw new EddyError('InvalidArgumentException', `Consumer group name '${name}' is not allowed.`);
}
function checkLeaseKey(key: string): void {
  if (typeof key !== 'string' || !LEASE_KEY_PATTERN.test(key)) throw new EddyError('InvalidArgumentException', `Lease key '${String(key).slice(0, 140)}' must be a shard id (1-128 of [a-zA-Z0-9_.-]).`);
}
function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || !OWNER_PATTERN.test(owner)) throw new EddyError('InvalidArgumentException', 'A lease owner must be 1-256 printable ASCII characters without spaces.');
}
function checkCheckpoint(c: string): void {
  if (typeof c !== 'string' || !CHECKPOINT_PATTERN.test(c)) throw new EddyError('InvalidArgumentException', `Checkpoint '${String(c).slice(0, 140)}' must be a sequence number, TRIM_HORIZON, LATEST, AT_TIMESTAMP:<epoch ms> or SHARD_END.`);
}
