// How a JetStream reader creates its consumer, against a connection the test answers for: a create nobody
// answers (nats-server before 2.9.12 may place the consumer on a node that is down) is given up after a
// short wait that grows only after several in a row, the consumer it named is deleted, and the failure is
// one the shard log tries again.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { ConsumerGoneError, JetStreamReader } from '../../../../src/engine/stream/nats/jetstream-reader.js';

/** A connection whose consumer creates go unanswered (each request fails as nats.js reports a timeout). */
function unanswered() {
  const asked: { subject: string; timeout: number }[] = [];
  const deleted: string[] = [];
  const nc = {
    request: (subject: string, _data: string, opts: { timeout: number }) => {
      asked.push({ subject, timeout: opts.timeout });
      return Promise.reject(new Error('TIMEOUT'));
    },
  };
  const jsm = { consumers: { delete: (_stream: string, name: string) => (deleted.push(name), Promise.resolve(true)) } };
  return { asked, deleted, reader: new JetStreamReader(nc as unknown as NatsConnection, jsm as unknown as JetStreamManager, 'EDDY_s_0', 1) };
}

describe('a JetStream reader whose consumer creates go unanswered', () => {
  it('gives each up after 1 s, waiting twice as long after every three in a row, up to 10 s', async () => {
    const { asked, reader } = unanswered();
    for (let i = 0; i < 13; i++) await expect(reader.next(10)).rejects.toBeInstanceOf(ConsumerGoneError);
    expect(asked.map((a) => a.timeout)).toEqual([1_000, 1_000, 1_000, 2_000, 2_000, 2_000, 4_000, 4_000, 4_000, 8_000, 8_000, 8_000, 10_000]);
    // Still at the first message: nothing was passed over.
    expect(reader.nextSeq).toBe(1);
  });

  it('deletes the consumer each create named, should it have been made on a node that comes back', async () => {
    const { asked, deleted, reader } = unanswered();
    for (let i = 0; i < 3; i++) await expect(reader.next(10)).rejects.toThrow(/no answer in 1000 ms/);
    expect(asked.map((a) => a.subject)).toEqual(deleted.map((name) => `$JS.API.CONSUMER.CREATE.EDDY_s_0.${name}`));
    expect(new Set(deleted).size).toBe(3);
  });
});
