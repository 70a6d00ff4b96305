// Fan-out of result rows: what a subscriber receives, and when it is dropped for not keeping up.
import { describe, expect, it } from 'vitest';
import { ResultHub } from '../../../src/engine/query/result-hub.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const rows = (n: number, from = 0): Row[] => Array.from({ length: n }, (_, i) => ({ n: from + i }));
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** A listener that stays busy with each delivery until the test lets it go (nextDelivery also ends on a drop). */
function slowListener() {
  const received: Row[][] = [];
  const releases: (() => void)[] = [];
  let overflowed: number | undefined;
  let delivered = () => undefined as void;
  return {
    received,
    get overflowed() {
      return overflowed;
    },
    nextDelivery: () => new Promise<void>((r) => (delivered = r)),
    release: () => releases.shift()?.(),
    listener: {
      onRows: (r: Row[]) => {
        received.push(r);
        delivered();
        return new Promise<void>((resolve) => releases.push(resolve));
      },
      onOverflow: (n: number) => {
        overflowed = n;
        delivered();
      },
    },
  };
}

describe('ResultHub', () => {
  it('hands an idle subscriber a publish larger than its queue limit, whole', async () => {
    const hub = new ResultHub();
    const got: Row[][] = [];
    let overflowed: number | undefined;
    hub.subscribe('q', { onRows: (r) => void got.push(r), onOverflow: (n) => (overflowed = n) }, { maxQueuedRows: 10 });
    hub.publish('q', rows(4096));
    await nextTurn();
    expect(overflowed).toBeUndefined();
    expect(got.map((r) => r.length)).toEqual([4096]);
    expect(hub.subscriberCount('q')).toBe(1);
  });

  it('keeps a subscriber that finishes each large publish before the next one arrives', async () => {
    const hub = new ResultHub();
    const slow = slowListener();
    hub.subscribe('q', slow.listener, { maxQueuedRows: 10 });
    for (let i = 0; i < 3; i++) {
      const delivered = slow.nextDelivery();
      hub.publish('q', rows(100, i * 100));
      await delivered;
      expect(slow.overflowed).toBeUndefined();
      slow.release();
      await nextTurn();
    }
    expect(slow.received.flat().map((r) => r.n)).toEqual(rows(300).map((r) => r.n));
  });

  it('counts only rows waiting behind a busy subscriber, and delivers them together in order', async () => {
    const hub = new ResultHub();
    const slow = slowListener();
    const s = hub.subscribe('q', slow.listener, { maxQueuedRows: 10 });
    const first = slow.nextDelivery();
    hub.publish('q', rows(50));
    await first;
    hub.publish('q', rows(4, 50));
    hub.publish('q', rows(6, 54));
    expect(s.queuedRows).toBe(10);
    const second = slow.nextDelivery();
    slow.release();
    await second;
    expect(slow.overflowed).toBeUndefined();
    expect(slow.received.map((r) => r.length)).toEqual([50, 10]);
    expect(slow.received.flat().map((r) => r.n)).toEqual(rows(60).map((r) => r.n));
    expect(s.queuedRows).toBe(0);
  });

  it('drops a busy subscriber whose waiting rows would pass its limit, and not the others', async () => {
    const hub = new ResultHub();
    const slow = slowListener();
    const fast: Row[] = [];
    const s = hub.subscribe('q', slow.listener, { maxQueuedRows: 10 });
    hub.subscribe('q', { onRows: (r) => void fast.push(...r) }, { maxQueuedRows: 10 });
    const first = slow.nextDelivery();
    hub.publish('q', rows(5));
    await first;
    hub.publish('q', rows(8, 5));
    hub.publish('q', rows(3, 13));
    expect(slow.overflowed).toBe(11);
    expect(s.queuedRows).toBe(0);
    expect(hub.subscriberCount('q')).toBe(1);
    slow.release();
    await nextTurn();
    expect(slow.received.map((r) => r.length)).toEqual([5]);
    expect(fast.map((r) => r.n)).toEqual(rows(16).map((r) => r.n));
  });

  it('tells a busy subscriber the query ended only after the rows waiting for it', async () => {
    const hub = new ResultHub();
    const events: string[] = [];
    let release!: () => void;
    hub.subscribe(
      'q',
      {
        onRows: (r) => {
          events.push(`rows ${r.length}`);
          return new Promise<void>((resolve) => (release = resolve));
        },
        onEnd: () => events.push('end'),
      },
      { maxQueuedRows: 10 },
    );
    hub.publish('q', rows(20));
    hub.publish('q', rows(5));
    hub.end('q');
    expect(events).toEqual(['rows 20']);
    release();
    await nextTurn();
    release();
    await nextTurn();
    expect(events).toEqual(['rows 20', 'rows 5', 'end']);
  });
});
