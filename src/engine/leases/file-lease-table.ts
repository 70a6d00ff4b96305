// The lease table of a single Eddy process: in memory, each group written to
// `<data-dir>/consumer-groups/<group>.json` (or memory only). Ownership changes and checkpoints are written
// to disk before they are acknowledged; renewals only bump a counter and ride along with the next write
// (after a crash a worker's renewal fails its compare-and-set and it takes the lease again).

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../atomic-file.js';
import { decodePathComponent, encodePathComponent, removeInside } from '../safe-path.js';
import { byLeaseKey, checkGroupFor, checkLeaseFits, groupSummaries, knownGroup, leaseChanges, leaseNotFound, newLease, type GroupSummary, type Lease, type LeaseTable, type NewLease } from './lease-table.js';

interface Group {
  streamName: string;
  leases: Map<string, Lease>;
}

export class FileLeaseTable implements LeaseTable {
  private readonly groups = new Map<string, Group>();
  private readonly writes = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  private constructor(private readonly dir: string | undefined) {}

  static async open(dataDir: string | undefined): Promise<FileLeaseTable> {
    const table = new FileLeaseTable(dataDir === undefined ? undefined : join(dataDir, 'consumer-groups'));
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
    return groupSummaries(this.groups, (g) => g.streamName, (g) => g.leases.values());
  }

  listLeases(groupName: string): Lease[] {
    return byLeaseKey(this.group(groupName).leases.values());
  }

  async createLease(groupName: string, streamName: string, input: NewLease): Promise<Lease> {
    const lease = newLease(groupName, input);
    let g = this.groups.get(groupName);
    checkGroupFor(groupName, g?.streamName, streamName, this.groups.size);
    if (g === undefined) {
      g = { streamName, leases: new Map() };
      this.groups.set(groupName, g);
    }
    checkLeaseFits(groupName, g.leases, lease.leaseKey);
    g.leases.set(lease.leaseKey, lease);
    await this.persist(groupName);
    return lease;
  }

  async takeLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    const next = this.put(groupName, leaseChanges.take(groupName, leaseKey, this.lease(groupName, leaseKey), owner, expectedCounter));
    await this.persist(groupName);
    return next;
  }

  async renewLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    // Not written now: a renewal only says "alive", and is saved with the group's next write.
    return this.put(groupName, leaseChanges.renew(groupName, leaseKey, this.lease(groupName, leaseKey), owner, expectedCounter));
  }

  async checkpoint(groupName: string, leaseKey: string, owner: string, expectedCounter: number, checkpoint: string, subSequenceNumber = 0): Promise<Lease> {
    const next = this.put(groupName, leaseChanges.checkpoint(groupName, leaseKey, this.lease(groupName, leaseKey), owner, expectedCounter, checkpoint, subSequenceNumber));
    await this.persist(groupName);
    return next;
  }

  async evictLease(groupName: string, leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    const next = this.put(groupName, leaseChanges.evict(groupName, leaseKey, this.lease(groupName, leaseKey), owner, expectedCounter));
    await this.persist(groupName);
    return next;
  }

  async deleteLease(groupName: string, leaseKey: string): Promise<void> {
    const g = this.group(groupName);
    if (!g.leases.delete(leaseKey)) throw leaseNotFound(groupName, leaseKey);
    await this.persist(groupName);
  }

  async deleteGroup(groupName: string): Promise<void> {
    this.group(groupName);
    this.groups.delete(groupName);
    await this.writes.get(groupName)?.running;
    if (this.dir !== undefined) await removeInside(this.dir, join(this.dir, encodePathComponent(groupName, '.json')));
  }

  async flush(): Promise<void> {
    for (const name of this.groups.keys()) await this.persist(name);
  }

  private group(groupName: string): Group {
    return knownGroup(this.groups, groupName);
  }

  private lease(groupName: string, leaseKey: string): Lease | undefined {
    return this.group(groupName).leases.get(leaseKey);
  }

  private put(groupName: string, lease: Lease): Lease {
    this.group(groupName).leases.set(lease.leaseKey, lease);
    return lease;
  }

  /**
   * Resolves once the group as it is now is on disk. One write per group at a time; changes made while
   * one runs are all saved by the single write after it.
   */
  private persist(groupName: string): Promise<void> {
    if (this.dir === undefined) return Promise.resolve();
    const dir = this.dir;
    const state = this.writes.get(groupName);
    if (state?.next) return state.next;
    const write = async (): Promise<void> => {
      const g = this.groups.get(groupName);
      if (!g) return;
      await writeFileAtomic(join(dir, encodePathComponent(groupName, '.json')), JSON.stringify({ streamName: g.streamName, leases: [...g.leases.values()] }));
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
