// Leases on a shared bucket with clocks moved by hand: one holder at a time, renewed by its holder, taken
// over only once the holder has stopped renewing for the timeout, and given up by a holder that cannot
// renew before any other process may take it.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
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
