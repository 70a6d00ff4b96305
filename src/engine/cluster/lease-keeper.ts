// Leases on work that one Eddy process at a time may do (a continuous query): one key per lease in a
// shared bucket, taken and renewed by compare-and-set on the key's revision. A holder renews each of
// its leases every `renewMs`; a lease whose revision has not moved for `timeoutMs`, as measured on the
// watching process's own clock, has lost its holder, and the first process to write over that revision
// takes it. Expiry is never judged by comparing one machine's clock with another's, so clocks that
// disagree cannot hand a lease to two processes; only their rates must roughly agree.
//
// A holder that cannot renew (the cluster unreachable) gives its lease up by itself once
// `timeoutMs - renewMs` has passed since its last renewal, before any other process may take it.
//
// With `members`, leases are balanced: a process holding at least two more than some live member (one
// that has just joined, say) hands one over, if its work can be handed over (`handOff`): the work stops
// here with a final checkpoint, the lease is deleted, and this process leaves it to the others for a
// lease timeout. One handover per process per lease timeout, until no two members differ by more than one.

import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import type { ClusterMembers } from './cluster-members.js';
import { jsonBytes, KvConflict, parseJson, type SharedKv } from './shared-kv.js';

export interface LeaseTiming {
  /** How often a holder renews its leases (and others look at them), ms. */
  readonly renewMs: number;
  /** How long a lease may go unrenewed before another process takes it, ms. */
  readonly timeoutMs: number;
}

/** After a handover nobody took up, no lease is handed over for this many lease timeouts. */
const UNTAKEN_HANDOFF_PAUSE_TIMEOUTS = 10;

export const DEFAULT_LEASE_TIMING: LeaseTiming = { renewMs: 2_000, timeoutMs: 10_000 };

/** What a lease's key holds: who holds it, and what the holder says about the work (shown by the others). */
export interface LeaseValue {
  readonly holder: string;
  readonly info?: unknown;
}

export interface LeaseHandlers {
  /** This process now holds the lease. */
  acquired(): void;
  /** This process no longer holds the lease (taken over, or not renewed in time). */
  lost(): void;
  /** What the holder writes beside its name at each renewal (kept small: it is written every renewMs). */
  info?(): unknown;
  /**
   * Stops the work here so that another process may take it up where it stopped (a final checkpoint);
   * the lease is deleted once it resolves. Leases without it are never handed over to balance the load.
   */
  handOff?(): Promise<void>;
}

interface Tracked {
  readonly handlers: LeaseHandlers;
  /** Set while this process holds the lease. */
  held: { revision: number; renewedAt: number } | undefined;
  /** The revision last seen of a lease another process holds, and since when (this clock) it has not moved. */
  seen: { revision: number; since: number } | undefined;
  /** The lease's value as last read. */
  last: LeaseValue | undefined;
  /** After a handover, this process does not take the lease up again before this time (its clock). */
  restUntil: number | undefined;
}

export interface LeaseKeeperOptions {
  /** This process's name, unique in the cluster. */
  readonly holder: string;
  readonly clock: Clock;
  readonly timing?: LeaseTiming;
  /** Renew and look on a timer (default); tests switch it off and call tick() themselves. */
  readonly timer?: boolean;
  /** The cluster's live processes, refreshed at every tick: with them, leases are balanced. */
  readonly members?: ClusterMembers;
}

export class LeaseKeeper {
  private readonly leases = new Map<string, Tracked>();
  private readonly timing: LeaseTiming;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;
  /** This process hands no lease over before this time (its clock): one handover per lease timeout. */
  private nextHandOffAt = 0;

  constructor(
    private readonly kv: SharedKv,
    private readonly options: LeaseKeeperOptions,
  ) {
    const timing = options.timing ?? DEFAULT_LEASE_TIMING;
    if (!(timing.renewMs > 0 && timing.timeoutMs >= 2 * timing.renewMs)) {
      throw new EddyError('ValidationException', `a lease timeout (${timing.timeoutMs} ms) must be at least twice its renewal interval (${timing.renewMs} ms)`);
    }
    this.timing = timing;
    if (options.timer !== false) {
      this.timer = setInterval(() => {
        this.giveUpOverdue();
        void this.tick();
      }, timing.renewMs);
      this.timer.unref();
    }
  }

  get holder(): string {
    return this.options.holder;
  }

  /** How long a lease may go unrenewed before another process takes it, ms. */
  get timeoutMs(): number {
    return this.timing.timeoutMs;
  }

  get renewMs(): number {
    return this.timing.renewMs;
  }

  /** Starts competing for a lease; resolves after the first attempt to take it. */
  async want(key: string, handlers: LeaseHandlers): Promise<void> {
    if (this.leases.has(key)) throw new Error(`lease ${key} is already wanted`);
    const tracked: Tracked = { handlers, held: undefined, seen: undefined, last: undefined, restUntil: undefined };
    this.leases.set(key, tracked);
    await this.look(key, tracked).catch(() => undefined);
  }

  /** Stops competing; a held lease is deleted, so another process may take it at once. */
  async release(key: string): Promise<void> {
    const tracked = this.leases.get(key);
    this.leases.delete(key);
    if (tracked?.held) await this.kv.delete(key, tracked.held.revision).catch(() => undefined);
  }

  /** Deletes a lease whoever holds it (the work is gone). */
  async remove(key: string): Promise<void> {
    this.leases.delete(key);
    await this.kv.delete(key).catch(() => undefined);
  }

  holds(key: string): boolean {
    return this.leases.get(key)?.held !== undefined;
  }

  /** The lease's value as last read or written here; undefined when nobody was seen holding it. */
  lastSeen(key: string): LeaseValue | undefined {
    return this.leases.get(key)?.last;
  }

  /**
   * Gives up every lease held that has gone unrenewed for `timeoutMs - renewMs`, without waiting for a
   * renewal in flight (a request to a cluster electing a leader may hang for seconds).
   */
  giveUpOverdue(): void {
    const now = this.options.clock.now();
    for (const tracked of this.leases.values()) {
      if (tracked.held && now - tracked.held.renewedAt >= this.timing.timeoutMs - this.timing.renewMs) this.lose(tracked);
    }
  }

  /** Renews the leases held, looks at the others and takes those whose holder has stopped renewing. */
  tick(): Promise<void> {
    this.giveUpOverdue();
    this.ticking ??= (async () => {
      for (const [key, tracked] of [...this.leases]) {
        if (this.closed) return;
        await this.look(key, tracked).catch(() => undefined);
      }
      if (this.options.members && !this.closed) await this.balance(this.options.members).catch(() => undefined);
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Stops renewing; held leases are deleted so that others take them at once (the work stops here first). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking;
    for (const key of [...this.leases.keys()]) await this.release(key);
    await this.options.members?.leave();
  }

  /** How many of the wanted leases each live member holds, as last seen (this process's own as it knows them). */
  private heldByMember(members: readonly string[]): Map<string, number> {
    const counts = new Map(members.map((m) => [m, 0]));
    for (const tracked of this.leases.values()) {
      const holder = tracked.held ? this.holder : tracked.last?.holder;
      // What was last read of a lease this process has since let go names it no more.
      if (holder === undefined || (holder === this.holder && !tracked.held)) continue;
      const n = counts.get(holder);
      if (n !== undefined) counts.set(holder, n + 1);
    }
    return counts;
  }

  /** Hands one lease over when this process holds two or more than the live member holding the fewest. */
  private async balance(members: ClusterMembers): Promise<void> {
    await members.refresh();
    const now = this.options.clock.now();
    if (now < this.nextHandOffAt) return;
    const counts = this.heldByMember(members.live());
    if (counts.size < 2) return;
    const fewest = Math.min(...counts.values());
    if ((counts.get(this.holder) ?? 0) - fewest < 2) return;
    const movable = [...this.leases].find(([, t]) => t.held !== undefined && t.handlers.handOff !== undefined);
    if (movable === undefined) return;
    this.nextHandOffAt = now + this.timing.timeoutMs;
    await this.handOver(...movable);
  }

  private async handOver(key: string, tracked: Tracked): Promise<void> {
    const held = tracked.held!;
    await tracked.handlers.handOff!();
    // Lost meanwhile (not renewed in time, or released): nothing is left to hand over.
    if (this.leases.get(key) !== tracked || tracked.held !== held) return;
    tracked.held = undefined;
    tracked.seen = undefined;
    tracked.last = undefined;
    tracked.restUntil = this.options.clock.now() + this.timing.timeoutMs;
    await this.kv.delete(key, held.revision).catch(() => undefined);
  }

  private async look(key: string, tracked: Tracked): Promise<void> {
    const now = this.options.clock.now();
    if (tracked.held) {
      const mine: LeaseValue = { holder: this.holder, info: tracked.handlers.info?.() };
      try {
        const revision = await this.kv.update(key, jsonBytes(mine), tracked.held.revision);
        // Given up meanwhile (overdue): the work has stopped here, so the lease goes back to the others.
        if (this.leases.get(key) !== tracked || tracked.held === undefined) {
          await this.kv.delete(key, revision).catch(() => undefined);
          return;
        }
        tracked.held = { revision, renewedAt: now };
        tracked.last = mine;
      } catch (e) {
        if (this.leases.get(key) !== tracked || tracked.held === undefined) return;
        // Taken over; or, not renewed for so long that another process may take it any moment now.
        if (e instanceof KvConflict || this.options.clock.now() - tracked.held.renewedAt >= this.timing.timeoutMs - this.timing.renewMs) this.lose(tracked);
      }
      return;
    }
    const current = await this.kv.get(key);
    if (this.leases.get(key) !== tracked) return;
    const mine: LeaseValue = { holder: this.holder, info: tracked.handlers.info?.() };
    if (current === undefined) {
      // Handed over a moment ago: left to the others for a while, taken up again if none does.
      if (tracked.restUntil !== undefined && now < tracked.restUntil) return;
      await this.take(key, tracked, mine, () => this.kv.create(key, jsonBytes(mine)), now);
      return;
    }
    tracked.last = parseLease(current.value);
    // Another process took it up: a handover that landed (taking it back later is not "untaken").
    tracked.restUntil = undefined;
    if (tracked.seen?.revision !== current.revision) {
      tracked.seen = { revision: current.revision, since: now };
      return;
    }
    if (now - tracked.seen.since >= this.timing.timeoutMs) await this.take(key, tracked, mine, () => this.kv.update(key, jsonBytes(mine), current.revision), now);
  }

  private async take(key: string, tracked: Tracked, mine: LeaseValue, write: () => Promise<number>, now: number): Promise<void> {
    let revision: number;
    try {
      revision = await write();
    } catch (e) {
      if (e instanceof KvConflict) tracked.seen = undefined;
      return;
    }
    if (this.leases.get(key) !== tracked) {
      await this.kv.delete(key, revision).catch(() => undefined);
      return;
    }
    tracked.held = { revision, renewedAt: now };
    tracked.seen = undefined;
    tracked.last = mine;
    // A lease handed over that nobody took: the balance seen was not one others act on (they do not
    // want the work yet, say), so handing over waits longer than a timeout, or it would pause the work
    // again and again.
    if (tracked.restUntil !== undefined) this.nextHandOffAt = now + UNTAKEN_HANDOFF_PAUSE_TIMEOUTS * this.timing.timeoutMs;
    tracked.restUntil = undefined;
    tracked.handlers.acquired();
  }

  private lose(tracked: Tracked): void {
    tracked.held = undefined;
    tracked.seen = undefined;
    tracked.handlers.lost();
  }
}

function parseLease(bytes: Uint8Array): LeaseValue | undefined {
  try {
    const value = parseJson<LeaseValue>(bytes);
    return typeof value.holder === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
