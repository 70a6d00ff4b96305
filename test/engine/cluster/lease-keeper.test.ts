// Leases on a shared bucket with clocks moved by hand: one holder at a time, renewed by its holder, taken
// over only once the holder has stopped renewing for the timeout, and given up by a holder that cannot
// renew before any other process may take it.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { ClusterMembers } from '../../../src/engine/cluster/cluster-members.js';
import { LeaseKeeper } from '../../../src/engine/cluster/lease-keeper.js';
import { MemoryKv } from '../../support/memory-kv.js';

const timing = { renewMs: 1_000, timeoutMs: 5_000 };

function keeper(kv: MemoryKv, holder: string, clock: ManualClock) {
  const events: string[] = [];
  const leases = new LeaseKeeper(kv, { holder, clock, timing, timer: false });
  const handlers = { acquired: () => events.push('acquired'), lost: () => events.push('lost'), info: () => ({ rows: events.length }) };
  return { leases, events, handlers };
}

describe('LeaseKeeper', () => {
  it('gives a free lease to the first process that wants it, and shows the holder to the others', async () => {
    const kv = new MemoryKv();
    const [clockA, clockB] = [new ManualClock(), new ManualClock()];
    const a = keeper(kv, 'a', clockA);
    const b = keeper(kv, 'b', clockB);
    await a.leases.want('query.1', a.handlers);
    await b.leases.want('query.1', b.handlers);
    expect(a.events).toEqual(['acquired']);
    expect(b.events).toEqual([]);
    expect(b.leases.lastSeen('query.1')?.holder).toBe('a');
  });

  it('is not taken while its holder renews, however long', async () => {
    const kv = new MemoryKv();
    const [clockA, clockB] = [new ManualClock(), new ManualClock()];
    const a = keeper(kv, 'a', clockA);
    const b = keeper(kv, 'b', clockB);
    await a.leases.want('q', a.handlers);
    await b.leases.want('q', b.handlers);
    for (let i = 0; i < 20; i++) {
      clockA.advance(1_000);
      clockB.advance(1_000);
      await a.leases.tick();
      await b.leases.tick();
    }
    expect(b.events).toEqual([]);
    expect(a.leases.holds('q')).toBe(true);
  });

  it('is taken over once its holder has not renewed for the timeout, on the taker’s own clock', async () => {
    const kv = new MemoryKv();
    // The clocks disagree by an hour: only the time each one sees pass counts.
    const [clockA, clockB] = [new ManualClock(0), new ManualClock(3_600_000)];
    const a = keeper(kv, 'a', clockA);
    const b = keeper(kv, 'b', clockB);
    await a.leases.want('q', a.handlers);
    await b.leases.want('q', b.handlers);
    // a stops renewing (its process died); b looks every second.
    for (let s = 1; s < 5; s++) {
      clockB.advance(1_000);
      await b.leases.tick();
      expect(b.events).toEqual([]);
    }
    clockB.advance(1_000);
    await b.leases.tick();
    expect(b.events).toEqual(['acquired']);
    // a comes back: its renewal fails the compare-and-set, and it lets go at once.
    await a.leases.tick();
    expect(a.events).toEqual(['acquired', 'lost']);
  });

  it('is given up by a holder that cannot reach the bucket, before the others may take it', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = keeper(kv, 'a', clock);
    await a.leases.want('q', a.handlers);
    kv.failing = true;
    clock.advance(3_000);
    await a.leases.tick();
    expect(a.events).toEqual(['acquired']);
    // timeout − renewal interval after its last renewal: any later, another process could hold it too.
    clock.advance(1_000);
    await a.leases.tick();
    expect(a.events).toEqual(['acquired', 'lost']);
  });

  it('is given up on time even while a renewal hangs', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = keeper(kv, 'a', clock);
    await a.leases.want('q', a.handlers);
    let answer: () => void = () => undefined;
    const update = kv.update.bind(kv);
    kv.update = (key, value, revision) => new Promise<void>((r) => (answer = r)).then(() => update(key, value, revision));
    clock.advance(1_000);
    const renewal = a.leases.tick();
    clock.advance(3_000);
    a.leases.giveUpOverdue();
    expect(a.events).toEqual(['acquired', 'lost']);
    // The renewal lands late: the lease is deleted rather than kept by a process no longer doing the work.
    answer();
    await renewal;
    expect(kv.keys()).toEqual([]);
  });

  it('is free at once for the others when its holder releases it', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = keeper(kv, 'a', clock);
    const b = keeper(kv, 'b', clock);
    await a.leases.want('q', a.handlers);
    await b.leases.want('q', b.handlers);
    await a.leases.release('q');
    await b.leases.tick();
    expect(b.events).toEqual(['acquired']);
  });

  it('refuses a timeout shorter than two renewal intervals', () => {
    expect(() => new LeaseKeeper(new MemoryKv(), { holder: 'a', clock: new ManualClock(), timing: { renewMs: 1_000, timeoutMs: 1_500 }, timer: false })).toThrow(
      /lease timeout \(1500 ms\) must be at least twice its renewal interval \(1000 ms\)/,
    );
  });
});

describe('LeaseKeeper balancing over the live members', () => {
  /** A process of the cluster whose leases can be handed over; it records what happens to each. */
  function member(kv: MemoryKv, holder: string, clock: ManualClock) {
    const events: string[] = [];
    const leases = new LeaseKeeper(kv, { holder, clock, timing, timer: false, members: new ClusterMembers(kv, { holder, clock, timeoutMs: timing.timeoutMs }) });
    const handlers = (key: string, movable = true) => ({
      acquired: () => events.push(`acquired ${key}`),
      lost: () => events.push(`lost ${key}`),
      ...(movable ? { handOff: async () => void events.push(`handed off ${key}`) } : {}),
    });
    return { leases, events, handlers };
  }
  const keys = ['q1', 'q2', 'q3', 'q4'];
  const holders = (processes: { leases: LeaseKeeper }[]) => keys.map((k) => processes.filter((p) => p.leases.holds(k)).length);

  /** Every process ticks once a second for `seconds`; no lease is ever held by two at once. */
  async function run(processes: { leases: LeaseKeeper }[], clock: ManualClock, seconds: number): Promise<void> {
    for (let s = 0; s < seconds; s++) {
      clock.advance(1_000);
      for (const p of processes) {
        await p.leases.tick();
        expect(holders(processes).every((n) => n <= 1)).toBe(true);
      }
    }
  }

  it('moves leases to a process that joins, one per lease timeout, until they differ by at most one', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = member(kv, 'a', clock);
    for (const k of keys) await a.leases.want(k, a.handlers(k));
    await run([a], clock, 3);
    expect(keys.filter((k) => a.leases.holds(k))).toEqual(keys);

    const b = member(kv, 'b', clock);
    for (const k of keys) await b.leases.want(k, b.handlers(k));
    await run([a, b], clock, 30);
    expect(keys.filter((k) => a.leases.holds(k))).toEqual(['q3', 'q4']);
    expect(keys.filter((k) => b.leases.holds(k))).toEqual(['q1', 'q2']);
    // Each lease was handed off (the work stopped there) before the other process acquired it.
    expect(a.events.filter((e) => e.startsWith('handed off'))).toEqual(['handed off q1', 'handed off q2']);
    expect(b.events).toEqual(['acquired q1', 'acquired q2']);
    expect(a.events.filter((e) => e.startsWith('lost'))).toEqual([]);
    // Settled: nothing moves any more.
    await run([a, b], clock, 30);
    expect(b.events).toEqual(['acquired q1', 'acquired q2']);

    // b stops cleanly, and a takes everything back; when b starts again, two move again at once (a
    // lease taken back after the other process let it go is no handover that nobody took).
    await b.leases.close();
    await run([a], clock, 3);
    expect(keys.every((k) => a.leases.holds(k))).toBe(true);
    const b2 = member(kv, 'b', clock);
    for (const k of keys) await b2.leases.want(k, b2.handlers(k));
    await run([a, b2], clock, 3 * (timing.timeoutMs / 1_000));
    expect(keys.filter((k) => b2.leases.holds(k))).toHaveLength(2);
  });

  it('does not move a lease when the processes differ by one', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = member(kv, 'a', clock);
    const b = member(kv, 'b', clock);
    for (const k of keys.slice(0, 3)) await a.leases.want(k, a.handlers(k));
    await run([a], clock, 2);
    for (const k of keys.slice(0, 3)) await b.leases.want(k, b.handlers(k));
    await run([a, b], clock, 30);
    expect(a.events).toEqual(['acquired q1', 'acquired q2', 'acquired q3', 'handed off q1']);
    expect(b.events).toEqual(['acquired q1']);
  });

  it('counts only live members: a process that stopped ticking gets nothing handed to it', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = member(kv, 'a', clock);
    const b = member(kv, 'b', clock);
    await run([b], clock, 1);
    // b stops (killed): its member key stays, unchanged.
    clock.advance(timing.timeoutMs);
    for (const k of keys) await a.leases.want(k, a.handlers(k));
    await run([a], clock, 30);
    expect(a.events.filter((e) => e.startsWith('handed off'))).toEqual([]);
    expect(keys.every((k) => a.leases.holds(k))).toBe(true);
    // Long gone: its key is deleted; a's own stays.
    await run([a], clock, (10 * timing.timeoutMs) / 1_000);
    expect(kv.keys().filter((k) => k.startsWith('member.'))).toHaveLength(1);
  });

  it('never hands over work that cannot be handed over, and takes a handed-off lease up again when nobody else does', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = member(kv, 'a', clock);
    const b = member(kv, 'b', clock);
    for (const k of keys) await a.leases.want(k, a.handlers(k, k !== 'q1'));
    await run([a, b], clock, 1);
    await run([a, b], clock, 2);
    // q1 cannot move: the first handover is q2's, which b does not want (it serves none of them).
    expect(a.events.filter((e) => e.startsWith('handed off'))).toEqual(['handed off q2']);
    await run([a, b], clock, timing.timeoutMs / 1_000 + 1);
    expect(keys.every((k) => a.leases.holds(k))).toBe(true);
    expect(a.events.filter((e) => e === 'acquired q2')).toHaveLength(2);
    // Nobody took it: no more handovers for ten lease timeouts, so the work is not paused again and again.
    await run([a, b], clock, (9 * timing.timeoutMs) / 1_000);
    expect(a.events.filter((e) => e.startsWith('handed off'))).toEqual(['handed off q2']);
  });

  it('leaves the cluster when closed: the others stop counting it at once', async () => {
    const kv = new MemoryKv();
    const clock = new ManualClock();
    const a = member(kv, 'a', clock);
    const b = member(kv, 'b', clock);
    await run([a, b], clock, 1);
    expect(kv.keys().filter((k) => k.startsWith('member.'))).toHaveLength(2);
    await b.leases.close();
    expect(kv.keys().filter((k) => k.startsWith('member.'))).toHaveLength(1);
  });
});
