// Leases on work that one Eddy process at a time may do (a continuous query): one key per lease in a
// shared bucket, taken and renewed by compare-and-set on the key's revision. A holder renews each of
// its leases every `renewMs`; a lease whose revision has not moved for `timeoutMs`, as measured on the
// watching process's own clock, has lost its holder, and the first process to write over that revision
// takes it. Expiry is never judged by comparing one machine's clock with another's, so clocks that
// disagree cannot hand a lease to two processes; only their rates must roughly agree.
//
// A holder that cannot renew (the cluster unreachable) gives its lease up by itself once
// `timeoutMs - renewMs` has passed since its last renewal, before any other process may take it.

import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import { jsonBytes, KvConflict, parseJson, type SharedKv } from './shared-kv.js';

export interface LeaseTiming {
  /** How often a holder renews its leases (and others look at them), ms. */
  readonly renewMs: number;
  /** How long a lease may go unrenewed before another process takes it, ms. */
  readonly timeoutMs: number;
}

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
}

interface Tracked {
  readonly handlers: LeaseHandlers;
  /** Set while this process holds the lease. */
  held: { revision: number; renewedAt: number } | undefined;
  /** The revision last seen of a lease another process holds, and since when (this clock) it has not moved. */
  seen: { revision: number; since: number } | undefined;
  /** The lease's value as last read. */
  last: LeaseValue | undefined;
}

export interface LeaseKeeperOptions {
  /** This process's name, unique in the cluster. */
  readonly holder: string;
  readonly clock: Clock;
  readonly timing?: LeaseTiming;
  /** Renew and look on a timer (default); tests switch it off and call tick() themselves. */
  readonly timer?: boolean;
}

export class LeaseKeeper {
  private readonly leases = new Map<string, Tracked>();
  private readonly timing: LeaseTiming;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;

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

  get renewMs(): number {
    return this.timing.renewMs;
  }

  /** Starts competing for a lease; resolves after the first attempt to take it. */
  async want(key: string, handlers: LeaseHandlers): Promise<void> {
    if (this.leases.has(key)) throw new Error(`lease ${key} is already wanted`);
    const tracked: Tracked = { handlers, held: undefined, seen: undefined, last: undefined };
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
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Stops renewing; held leases are deleted so that others take them at once (the work stops here first). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking;
    for (const key of [...this.leases.keys()]) await this.release(key);
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
      await this.take(key, tracked, mine, () => this.kv.create(key, jsonBytes(mine)), now);
      return;
    }
    tracked.last = parseLease(current.value);
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
