// Which Eddy processes of a cluster are alive. Each writes its own key (`member.<name>`, in the lease
// bucket) at every lease renewal; a member whose key has not changed for the lease timeout, as this
// process's clock measures it, is gone: the rule leases follow, so clocks that disagree do no harm. Lease
// balancing needs this list: a process that has just joined holds no lease, and shows nowhere else.

import type { Clock } from '../clock.js';
import { jsonBytes, keyToken, parseJson, type SharedKv } from './shared-kv.js';

const PREFIX = 'member.';

/**
 * A member key left unchanged for this many lease timeouts is deleted by whoever sees it: a process
 * killed with `kill -9` leaves its key behind, and names change from one start to the next.
 */
const FORGOTTEN_AFTER_TIMEOUTS = 10;

export interface ClusterMembersOptions {
  /** This process's name, unique in the cluster. */
  readonly holder: string;
  readonly clock: Clock;
  /** How long a member's key may stay unchanged before the member counts as gone, ms. */
  readonly timeoutMs: number;
}

export class ClusterMembers {
  /**
   * Per member: the revision of its key last seen, since when (this clock) it has not moved, and whether
   * it was seen to move at all: a key found unchanged since this process started may be a dead member's.
   */
  private readonly seen = new Map<string, { revision: number; since: number; moved: boolean }>();

  constructor(
    private readonly kv: SharedKv,
    private readonly o: ClusterMembersOptions,
  ) {}

  /** Says this process is alive, and reads every member's key. */
  async refresh(): Promise<void> {
    await this.kv.put(PREFIX + keyToken(this.o.holder), jsonBytes({ holder: this.o.holder }));
    const snapshot = await this.kv.snapshot(PREFIX);
    const now = this.o.clock.now();
    const present = new Set<string>();
    for (const entry of snapshot.entries) {
      const holder = holderOf(entry.value);
      if (holder === undefined) continue;
      present.add(holder);
      const last = this.seen.get(holder);
      if (last === undefined || last.revision !== entry.revision) this.seen.set(holder, { revision: entry.revision, since: now, moved: last !== undefined });
      else if (holder !== this.o.holder && now - last.since >= FORGOTTEN_AFTER_TIMEOUTS * this.o.timeoutMs) {
        await this.kv.delete(entry.key, entry.revision).catch(() => undefined);
      }
    }
    for (const holder of [...this.seen.keys()]) if (!present.has(holder)) this.seen.delete(holder);
  }

  /** The members alive as last refreshed (seen renewing within the timeout), this one always among them. */
  live(): string[] {
    const now = this.o.clock.now();
    const alive = [...this.seen].filter(([holder, s]) => holder === this.o.holder || (s.moved && now - s.since < this.o.timeoutMs)).map(([holder]) => holder);
    if (!alive.includes(this.o.holder)) alive.push(this.o.holder);
    return alive.sort();
  }

  /** This process leaves: its key goes, so the others stop counting it at once. */
  async leave(): Promise<void> {
    await this.kv.delete(PREFIX + keyToken(this.o.holder)).catch(() => undefined);
  }
}

function holderOf(bytes: Uint8Array): string | undefined {
  try {
    const value = parseJson<{ holder?: unknown }>(bytes);
    return typeof value.holder === 'string' ? value.holder : undefined;
  } catch {
    return undefined;
  }
}
