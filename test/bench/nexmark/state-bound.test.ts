// The published Nexmark queries whose state nothing bounds in time (q18's last bid per bidder and auction,
// q19's top 10 bids per auction, q20's join of every bid with its auction, q9's winning bid per auction)
// hold more with every event, as they do in Flink. Past the query's state bound they fail, naming the
// operator that holds the state and the bound, and the engine carries on: the bound holds for each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNexmark, runPublished, type Nexmark } from './nexmark-harness.js';
import type { NexmarkStream } from '../../../bench/nexmark/records.js';

const BOUND = 2_000;
let nx: Nexmark;

beforeAll(async () => {
  // 20,000 events over 40 s of event time: 18,400 bids of 1,200 auctions.
  nx = await openNexmark({ events: 20_000, eventsPerSecond: 500, seed: 3 }, 1, BOUND);
});

afterAll(async () => {
  await nx?.close();
});

const cases: readonly [query: string, inputs: readonly NexmarkStream[], error: RegExp][] = [
  ['q18', ['bid'], /query state exceeded 2,000 keys in deduplication \(PARTITION BY bidder, auction\); the limit is set with --max-query-state-keys/],
  ['q19', ['bid'], /query state exceeded 2,000 keys in ROW_NUMBER\(\) <= 10 \(PARTITION BY auction\)/],
  ['q20', ['bid', 'auction'], /query state exceeded 2,000 keys in join ON auction = id/],
  ['q9', ['auction', 'bid'], /query state exceeded 2,000 keys in (join ON id = auction|ROW_NUMBER\(\) <= 1 \(PARTITION BY id\))/],
];

describe('the Nexmark queries whose state grows with the stream', () => {
  for (const [query, inputs, error] of cases) {
    it(`${query} fails past the query's state bound, naming where the state is and the bound`, async () => {
      await expect(runPublished(nx, query, inputs)).rejects.toThrow(error);
    });
  }

  it('leave the engine running other queries', async () => {
    const rows = await runPublished(nx, 'q2', ['bid']);
    expect(rows.length).toBeGreaterThan(0);
  });
});
