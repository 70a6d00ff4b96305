// Consumer-group leases kept by Eddy (the KCL keeps them in a DynamoDB table): one lease per shard and
// group, changed only by compare-and-set on its lease counter, as the KCL's conditional writes do. Expiry
// is the workers' business (a lease whose counter has not moved for the failover time is free to take),
// so a table holds no timers. This file holds what every table shares: the lease, the rules a change must
// pass and the lease each change makes; the tables are beside it, in a data directory
// (file-lease-table.ts) or in a cluster's key-value bucket, shared by its processes (shared-lease-table.ts).

import { EddyError } from '../errors.js';

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

export interface NewLease {
  readonly leaseKey: string;
  readonly checkpoint: string;
  readonly parentLeaseKeys?: readonly string[];
}

export interface LeaseTable {
  listGroups(): GroupSummary[];
  /** A group's leases, by key; a ResourceNotFoundException for a group that has none. */
  listLeases(groupName: string): Lease[];
  /** Creates the group on first use (for `streamName`); a group belongs to one stream for its life. */
  createLease(groupName: string, streamName: string, input: NewLease): Promise<Lease>;
  /** Takes a lease (free, expired or stolen) if its counter is still `expectedCounter`. */
  takeLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease>;
  /** Renews a held lease: bumps its counter if `owner` still holds it at `expectedCounter`. */
  renewLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease>;
  checkpoint(groupName: string, leaseKey: string, owner: string, expectedCounter: number, checkpoint: string, subSequenceNumber?: number): Promise<Lease>;
  /** Gives a lease up (graceful shutdown hands it over at once instead of after the failover time). */
  evictLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease>;
  deleteLease(groupName: string, leaseKey: string): Promise<void>;
  deleteGroup(groupName: string): Promise<void>;
  /** Waits for every write in flight and stops following other processes' changes (clean shutdown). */
  flush(): Promise<void>;
}

/** Bounds: groups and leases per group (a lease is a shard, so this is far above any stream's shards). */
export const MAX_GROUPS = 1000;
export const MAX_LEASES_PER_GROUP = 10_000;
export const GROUP_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,128}$/;
const OWNER_PATTERN = /^[\x21-\x7e]{1,256}$/;
const CHECKPOINT_PATTERN = /^(\d{1,128}|TRIM_HORIZON|LATEST|SHARD_END|AT_TIMESTAMP:\d{1,16})$/;
const LEASE_KEY_PATTERN = /^[a-zA-Z0-9_.-]{1,128}$/;

export const leaseConflict = (key: string, why: string): EddyError => new EddyError('ConditionalCheckFailedException', `Lease ${key}: ${why}`);

export const leaseNotFound = (groupName: string, leaseKey: string): EddyError => new EddyError('ResourceNotFoundException', `Lease ${leaseKey} of consumer group ${groupName} not found.`);

/** The group of a table's groups by its name; a ResourceNotFoundException when there is none. */
export function knownGroup<G>(groups: ReadonlyMap<string, G>, groupName: string): G {
  checkGroupName(groupName);
  const g = groups.get(groupName);
  if (!g) throw new EddyError('ResourceNotFoundException', `Consumer group ${groupName} not found.`);
  return g;
}

/**
 * Checks that a lease of `streamName` may go in the group: `consumes` is the stream the group consumes
 * (undefined: there is no group yet, and one is made if the table, of `groupCount` groups, has room).
 */
export function checkGroupFor(groupName: string, consumes: string | undefined, streamName: string, groupCount: number): void {
  if (consumes === undefined) {
    if (groupCount >= MAX_GROUPS) throw new EddyError('LimitExceededException', `There are already ${MAX_GROUPS} consumer groups; delete one first.`);
  } else if (consumes !== streamName) {
    throw new EddyError('InvalidArgumentException', `Consumer group ${groupName} consumes stream ${consumes}, not ${streamName}.`);
  }
}

/** Checks that a new lease may join its group's `leases`: its key is not there yet and the group has room. */
export function checkLeaseFits(groupName: string, leases: ReadonlyMap<string, unknown>, leaseKey: string): void {
  if (leases.has(leaseKey)) throw leaseConflict(leaseKey, 'already exists');
  if (leases.size >= MAX_LEASES_PER_GROUP) throw new EddyError('LimitExceededException', `Consumer group ${groupName} already has ${MAX_LEASES_PER_GROUP} leases.`);
}

/** The summaries of a table's groups, by name. */
export function groupSummaries<G>(groups: ReadonlyMap<string, G>, streamOf: (g: G) => string, leasesOf: (g: G) => Iterable<Lease>): GroupSummary[] {
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([groupName, g]) => summaryOf(groupName, streamOf(g), leasesOf(g)));
}

/** A group's leases as listings give them: by key. */
export function byLeaseKey(leases: Iterable<Lease>): Lease[] {
  return [...leases].sort((a, b) => (a.leaseKey < b.leaseKey ? -1 : 1));
}

/** Checks a new lease's group name and members and makes it: nobody holds it yet. */
export function newLease(groupName: string, input: NewLease): Lease {
  checkGroupName(groupName);
  checkLeaseKey(input.leaseKey);
  checkCheckpoint(input.checkpoint);
  for (const p of input.parentLeaseKeys ?? []) checkLeaseKey(p);
  return { leaseKey: input.leaseKey, leaseOwner: null, leaseCounter: 0, checkpoint: input.checkpoint, checkpointSubSequenceNumber: 0, parentLeaseKeys: [...(input.parentLeaseKeys ?? [])], ownerSwitchesSinceCheckpoint: 0 };
}

/**
 * What each change makes of a lease, given the lease as it is now (undefined: there is none); each throws
 * a ConditionalCheckFailedException when the caller's counter (or owner) is not the lease's.
 */
export const leaseChanges = {
  take(groupName: string, leaseKey: string, lease: Lease | undefined, owner: string, expectedCounter: number): Lease {
    checkOwner(owner);
    const current = expect(groupName, leaseKey, lease, expectedCounter);
    const switched = current.leaseOwner !== owner;
    return { ...current, leaseOwner: owner, leaseCounter: current.leaseCounter + 1, ownerSwitchesSinceCheckpoint: current.ownerSwitchesSinceCheckpoint + (switched ? 1 : 0) };
  },
  renew(groupName: string, leaseKey: string, lease: Lease | undefined, owner: string, expectedCounter: number): Lease {
    const current = expectOwned(groupName, leaseKey, lease, owner, expectedCounter);
    return { ...current, leaseCounter: current.leaseCounter + 1 };
  },
  checkpoint(groupName: string, leaseKey: string, lease: Lease | undefined, owner: string, expectedCounter: number, checkpoint: string, subSequenceNumber: number): Lease {
    checkCheckpoint(checkpoint);
    if (!Number.isSafeInteger(subSequenceNumber) || subSequenceNumber < 0) throw new EddyError('InvalidArgumentException', `Sub-sequence number ${subSequenceNumber} must be an integer ≥ 0.`);
    const current = expectOwned(groupName, leaseKey, lease, owner, expectedCounter);
    return { ...current, leaseCounter: current.leaseCounter + 1, checkpoint, checkpointSubSequenceNumber: subSequenceNumber, ownerSwitchesSinceCheckpoint: 0 };
  },
  evict(groupName: string, leaseKey: string, lease: Lease | undefined, owner: string, expectedCounter: number): Lease {
    const current = expectOwned(groupName, leaseKey, lease, owner, expectedCounter);
    return { ...current, leaseOwner: null, leaseCounter: current.leaseCounter + 1 };
  },
};

function expect(groupName: string, leaseKey: string, lease: Lease | undefined, expectedCounter: number): Lease {
  if (!lease) throw leaseNotFound(groupName, leaseKey);
  if (!Number.isSafeInteger(expectedCounter)) throw new EddyError('InvalidArgumentException', `Lease counter ${expectedCounter} must be an integer.`);
  if (lease.leaseCounter !== expectedCounter) throw leaseConflict(leaseKey, `its counter is ${lease.leaseCounter}, not ${expectedCounter} (it changed hands or was renewed)`);
  return lease;
}

function expectOwned(groupName: string, leaseKey: string, lease: Lease | undefined, owner: string, expectedCounter: number): Lease {
  const current = expect(groupName, leaseKey, lease, expectedCounter);
  if (current.leaseOwner !== owner) throw leaseConflict(leaseKey, `it is held by ${current.leaseOwner ?? 'nobody'}, not ${owner}`);
  return current;
}

function summaryOf(groupName: string, streamName: string, leases: Iterable<Lease>): GroupSummary {
  const all = [...leases];
  return { groupName, streamName, leases: all.length, owners: [...new Set(all.map((l) => l.leaseOwner).filter((o): o is string => o !== null))].sort() };
}

export function checkGroupName(name: string): void {
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
