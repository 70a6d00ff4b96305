// GetShardIterator's per-shard quota through the AWS SDK: the sixth call in a second on one shard fails
// with ProvisionedThroughputExceededException, typed and worded as Kinesis answers it.
import { CreateStreamCommand, GetShardIteratorCommand, ProvisionedThroughputExceededException, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_START_MS, type TestBackend } from './test-backends.js';
import { ManualClock } from '../../../src/engine/index.js';
import { startTestServer, type TestServer } from '../start-test-server.js';

export function describeGetShardIteratorThrottling(backend: TestBackend): void {
  describe(`${backend.name}`, () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    let server: TestServer;
    let client: KinesisClient;

    beforeAll(async () => {
      // The store's clock stands still, so every call lands in the same second whatever the machine's speed.
      server = await startTestServer({ clock, ...(await backend.storeOptions()) });
      client = server.client();
      await client.send(new CreateStreamCommand({ StreamName: 'limited', ShardCount: 1 }));
    }, BACKEND_START_MS);

    afterAll(async () => {
      await server?.close();
      await backend.stop();
    });

    describe('GetShardIterator through the AWS SDK', () => {
      it('answers a sixth call in the same second with ProvisionedThroughputExceededException', async () => {
        const call = () => client.send(new GetShardIteratorCommand({ StreamName: 'limited', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
        for (let i = 0; i < 5; i++) expect((await call()).ShardIterator).toBeTruthy();
        const refused = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(refused).toBeInstanceOf(ProvisionedThroughputExceededException);
        expect((refused as Error).message).toBe('Rate exceeded for shard shardId-000000000000 in stream limited under account 000000000000.');
        clock.advance(1000);
        expect((await call()).ShardIterator).toBeTruthy();
      });
    });
  });
}
