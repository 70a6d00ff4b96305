// The lease table on a cluster of Eddy processes: one key per group (`group.<group>`, the stream it
// consumes) and one per lease (`group.<group>.<lease>`), names in hex, in a key-value bucket every process
// follows. So workers connected to different processes share one group's leases. Each change is a
// compare-and-set on the key's revision as well as on the lease counter: a process writes only over the
// revision it last saw, and when another process wrote first, it reads the key again and judges the change
// against that; so two workers never both take one lease at one counter, whichever processes they use.
//
// Listings come from what the process has followed (milliseconds behind the bucket at most): a worker that
// decides on a lease from a listing a moment old finds out at its compare-and-set, as with the KCL's table.
// Renewals are written as they come (every lease a worker holds, every renewal interval).

import { jsonBytes, keyToken, KvConflict, nameOfToken, parseJson, type KvChange, type SharedKv } from '../cluster/shared-kv.js';
import { byLeaseKey, checkGroupFor, checkGroupName, checkLeaseFits, groupSummaries, knownGroup, leaseChanges, leaseConflict, leaseNotFound, newLease, type GroupSummary, type Lease, type LeaseTable, type NewLease } from './lease-table.js';

const GROUP = 'group.';

interface Known<T> {
  readonly value: T;
  readonly revision: number;
}

interface Group {
  meta: Known<{ streamName: string }>;
  readonly leases: Map<string, Known<Lease>>;
}

/**
 * Deleted keys remembered (the oldest forgotten first): enough for the echoes of writes that cross a
 * delete, which arrive within milliseconds of it.
 */
const MAX_DELETES_REMEMBERED = 10_000;

/** How often one change is tried again after losing a compare-and-set to another process whose write left it valid. */
const MAX_TRIES = 5;

export class SharedLeaseTable implements LeaseTable {
  private readonly groups = new Map<string, Group>();
  /** Revisions of keys deleted while followed: a late echo of an older write does not bring them back. */
  private readonly deletedAt = new Map<string, number>();
  private stopWatch: (() => Promise<void>) | undefined;

  private constructor(private readonly kv: SharedKv) {}

  /** Reads every group and lease in the bucket, then follows the changes any process makes. */
  static async open(kv: SharedKv): Promise<SharedLeaseTable> {
    const table = new SharedLeaseTable(kv);
    const snapshot = await kv.snapshot(GROUP);
    // Groups before their leases, whatever order the listing came in.
    const sorted = [...snapshot.entries].sort((a, b) => a.key.split('.').length - b.key.split('.').length);
    for (const e of sorted) table.apply({ key: e.key, value: e.value, revision: e.revision });
    const watch = await kv.watch(GROUP, snapshot.revision, (change) => table.apply(change));
    table.stopWatch = () => watch.stop();
    return table;
  }

  listGroups(): GroupSummary[] {
    return groupSummaries(this.groups, (g) => g.meta.value.streamName, (g) => [...g.leases.values()].map((l) => l.value));
  }

  listLeases(groupName: string): Lease[] {
    return byLeaseKey([...this.group(groupName).leases.values()].map((l) => l.value));
  }

  async createLease(groupName: string, streamName: string, input: NewLease): Promise<Lease> {
    const lease = newLease(groupName, input);
    const g = await this.groupFor(groupName, streamName);
    checkLeaseFits(groupName, g.leases, lease.leaseKey);
    const key = leaseKeyOf(groupName, lease.leaseKey);
    try {
      const revision = await this.kv.create(key, jsonBytes(lease));
      this.apply({ key, value: jsonBytes(lease), revision });
    } catch (e) {
      if (e instanceof KvConflict) throw leaseConflict(lease.leaseKey, 'already exists');
      throw e;
    }
    return lease;
  }

  takeLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    return this.change(groupName, leaseKey, (lease) => leaseChanges.take(groupName, leaseKey, lease, owner, expectedCounter));
  }

  renewLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    return this.change(groupName, leaseKey, (lease) => leaseChanges.renew(groupName, leaseKey, lease, owner, expectedCounter));
  }

  checkpoint(groupName: string, leaseKey: string, owner: string, expectedCounter: number, checkpoint: string, subSequenceNumber = 0): Promise<Lease> {
    return this.change(groupName, leaseKey, (lease) => leaseChanges.checkpoint(groupName, leaseKey, lease, owner, expectedCounter, checkpoint, subSequenceNumber));
  }

  evictLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    return this.change(groupName, leaseKey, (lease) => leaseChanges.evict(groupName, leaseKey, lease, owner, expectedCounter));
  }

  async deleteLease(groupName: string, leaseKey: string): Promise<void> {
    const g = this.group(groupName);
    if (!g.leases.has(leaseKey)) throw leaseNotFound(groupName, leaseKey);
    const key = leaseKeyOf(groupName, leaseKey);
    await this.kv.delete(key);
    this.forget(key);
  }

  /** Every lease of the group (those this process has not heard of yet too), then the group. */
  async deleteGroup(groupName: string): Promise<void> {
    this.group(groupName);
    const leases = await this.kv.snapshot(`${groupKeyOf(groupName)}.`);
    for (const { key } of leases.entries) {
      await this.kv.delete(key);
      this.forget(key);
    }
    await this.kv.delete(groupKeyOf(groupName));
    this.forget(groupKeyOf(groupName));
  }

  async flush(): Promise<void> {
    await this.stopWatch?.();
    this.stopWatch = undefined;
  }

  /** The group, created in the bucket on first use; refused when it consumes another stream. */
  private async groupFor(groupName: string, streamName: string): Promise<Group> {
    for (let tries = 0; ; tries++) {
      const known = this.groups.get(groupName);
      checkGroupFor(groupName, known?.meta.value.streamName, streamName, this.groups.size);
      if (known) return known;
      const key = groupKeyOf(groupName);
      const meta = jsonBytes({ streamName });
      try {
        this.apply({ key, value: meta, revision: await this.kv.create(key, meta) });
      } catch (e) {
        // Created through another process a moment ago: judged against what it holds.
        if (!(e instanceof KvConflict) || tries >= MAX_TRIES) throw e;
        await this.refresh(key);
      }
    }
  }

  /** Applies `next` to the lease as this process knows it, written only over the revision it was read at. */
  private async change(groupName: string, leaseKey: string, next: (lease: Lease | undefined) => Lease): Promise<Lease> {
    checkGroupName(groupName);
    const key = leaseKeyOf(groupName, leaseKey);
    for (let tries = 0; ; tries++) {
      if (tries === 0 && this.groups.get(groupName)?.leases.get(leaseKey) === undefined) {
        // Perhaps created through another process a moment ago, and not heard of here yet.
        await this.refresh(groupKeyOf(groupName));
        await this.refresh(key);
      }
      const known = this.group(groupName).leases.get(leaseKey);
      const lease = next(known?.value);
      if (known === undefined) throw leaseNotFound(groupName, leaseKey);
      try {
        const bytes = jsonBytes(lease);
        this.apply({ key, value: bytes, revision: await this.kv.update(key, bytes, known.revision) });
        return lease;
      } catch (e) {
        if (!(e instanceof KvConflict) || tries >= MAX_TRIES) throw e;
        // Another process wrote first: the change is judged again against what it wrote.
        await this.refresh(key);
      }
    }
  }

  private async refresh(key: string): Promise<void> {
    const current = await this.kv.get(key);
    if (current === undefined) this.forget(key);
    else this.apply({ key, value: current.value, revision: current.revision });
  }

  /** A key deleted by this process (or found gone): news of writes up to the revision last known of it are old. */
  private forget(key: string): void {
    const [, groupToken, leaseToken] = key.split('.');
    const g = groupToken === undefined ? undefined : this.groups.get(nameOfToken(groupToken));
    const known = leaseToken === undefined ? g?.meta : g?.leases.get(nameOfToken(leaseToken));
    this.apply({ key, value: undefined, revision: known?.revision ?? 0 });
  }

  /** Takes in a change, from the watch or from this process's own writes and reads; older news than what is known is ignored. */
  private apply(change: KvChange): void {
    const [, groupToken, leaseToken] = change.key.split('.');
    if (groupToken === undefined) return;
    const groupName = nameOfToken(groupToken);
    const g = this.groups.get(groupName);
    const deleted = this.deletedAt.get(change.key);
    if (change.value === undefined) {
      this.deletedAt.delete(change.key);
      this.deletedAt.set(change.key, Math.max(change.revision, deleted ?? 0));
      if (this.deletedAt.size > MAX_DELETES_REMEMBERED) this.deletedAt.delete(this.deletedAt.keys().next().value!);
      if (leaseToken === undefined) this.groups.delete(groupName);
      else g?.leases.delete(nameOfToken(leaseToken));
      return;
    }
    if (deleted !== undefined && deleted >= change.revision) return;
    this.deletedAt.delete(change.key);
    let value: unknown;
    try {
      value = parseJson<unknown>(change.value);
    } catch {
      return;
    }
    if (leaseToken === undefined) {
      if (g && g.meta.revision >= change.revision) return;
      if (g) g.meta = { value: value as { streamName: string }, revision: change.revision };
      else this.groups.set(groupName, { meta: { value: value as { streamName: string }, revision: change.revision }, leases: new Map() });
      return;
    }
    // A lease of a group not known (deleted meanwhile): nothing to hang it on.
    if (!g) return;
    const leaseKey = nameOfToken(leaseToken);
    const known = g.leases.get(leaseKey);
    if (known && known.revision >= change.revision) return;
    g.leases.set(leaseKey, { value: value as Lease, revision: change.revision });
  }

  private group(groupName: string): Group {
    return knownGroup(this.groups, groupName);
  }
}

function groupKeyOf(groupName: string): string {
  return GROUP + keyToken(groupName);
}

function leaseKeyOf(groupName: string, leaseKey: string): string {
  return `${groupKeyOf(groupName)}.${keyToken(leaseKey)}`;
}
