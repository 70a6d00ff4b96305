// The query scheduler: query steps share one time slice per pass over the event loop, so I/O that
// arrives meanwhile waits for at most one slice, however many queries there are.
import { describe, expect, it } from 'vitest';
import { QueryScheduler } from '../../../src/engine/query/query-scheduler.js';

/** Runs `queries` loops of `steps` steps, each step advancing the fake time by `stepMs`; logs each step. */
async function runQueries(scheduler: QueryScheduler, time: { t: number }, queries: number, steps: number, stepMs: number, log: string[]): Promise<void> {
  await Promise.all(
    Array.from({ length: queries }, async (_, q) => {
      for (let s = 0; s < steps; s++) {
        await scheduler.turn();
        log.push(`q${q}`);
        time.t += stepMs;
      }
    }),
  );
}

describe('the query scheduler', () => {
  it('lets the event loop move on once the queries have spent their slice, rather than after every query has taken a step', async () => {
    const time = { t: 0 };
    const scheduler = new QueryScheduler({ sliceMs: 5, now: () => time.t });
    const log: string[] = [];
    // A marker queued anew in every check phase: the steps between two markers ran in one pass, with
    // no chance for I/O between them.
    let running = true;
    const marker = (): void => {
      log.push('pass');
      if (running) setImmediate(marker);
    };
    setImmediate(marker);
    await runQueries(scheduler, time, 100, 1, 2, log);
    running = false;
    const stepsPerPass = log.join(' ').split('pass').map((part) => part.trim().split(' ').filter(Boolean).length);
    // Steps of 2 ms in a 5 ms slice: three fit in a pass (started at 0, 2 and 4 ms), then the loop moves on.
    expect(Math.max(...stepsPerPass)).toBe(3);
    expect(log.filter((e) => e !== 'pass')).toHaveLength(100);
    expect(scheduler.stepsAdmitted).toBe(100);
  });

  it('lets every query take its steps in turn, none starved', async () => {
    const time = { t: 0 };
    const scheduler = new QueryScheduler({ sliceMs: 5, now: () => time.t });
    const log: string[] = [];
    await runQueries(scheduler, time, 4, 3, 2, log);
    // Round robin: each query's second step comes after every query's first.
    const firstOf = (q: number) => log.indexOf(`q${q}`);
    const secondOf = (q: number) => log.indexOf(`q${q}`, firstOf(q) + 1);
    for (let q = 0; q < 4; q++) for (let r = 0; r < 4; r++) expect(secondOf(q)).toBeGreaterThan(firstOf(r));
    expect(log).toHaveLength(12);
  });

  it('does not hold a lone query back while time passes between its steps', async () => {
    let t = 0;
    const scheduler = new QueryScheduler({ sliceMs: 5, now: () => t });
    for (let i = 0; i < 5; i++) {
      await scheduler.turn();
      t += 100;
      // A pass over the loop between steps, as a query waiting for records has.
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(scheduler.stepsDeferred).toBe(0);
  });
});
