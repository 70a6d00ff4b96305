// A stream declared with a Kinesis connector on a cluster of Eddy processes (two engines on one JetStream
// cluster; the Kinesis stream "elsewhere" is a separate Eddy server spoken to with the AWS SDK): every
// process knows the declaration from the shared catalog, but only the one holding the connector's lease
// copies the records in, so each arrives once.
import { CreateStreamCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { StatementExecutor } from '../../../src/statements/index.js';
import { startNatsCluster, type NatsCluster } from '../../../scripts/nats-cluster.mjs';
import { recordTexts } from '../../support/engine-stream.js';
import { startTestServer, testCredentials, type TestServer } from '../../server/start-test-server.js';

let cluster: NatsCluster;
let remote: TestServer;
let kinesis: KinesisClient;
const engines: Engine[] = [];
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  cluster = await startNatsCluster();
  remote = await startTestServer({ shardLimits: false });
  kinesis = remote.client();
  process.env.AWS_ACCESS_KEY_ID = testCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = testCredentials.secretAccessKey;
  for (const name of ['a', 'b']) {
    engines.push(
      // The source never moves here: a long lease timeout keeps a renewal held up by a loaded machine from
      // moving it (at least once: records read again), as the test counts each record once.
      await createEngine({ nats: { servers: cluster.urls.split(',') }, shardLimits: false, connectorPollMs: 50, cluster: { process: name, leaseRenewMs: 200, leaseTimeoutMs: 10_000 } }),
    );
  }
}, 90_000);

afterAll(async () => {
  for (const e of engines) await e.close().catch(() => undefined);
  await remote?.close();
  await cluster?.stop();
  if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
  if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
});

/** How many records `stream` holds, read through `engine` (on to the end: see engine-stream.ts). */
async function count(engine: Engine, stream: string): Promise<number> {
  return (await recordTexts(engine, stream)).length;
}

describe('a connector stream on a cluster of Eddy processes', () => {
  it('copies each record of the stream elsewhere in once, through the process holding its lease', async () => {
    const [a, b] = engines as [Engine, Engine];
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 }));
    await new StatementExecutor(a).execute(`CREATE STREAM orders (k VARCHAR, v INT) WITH (connector = 'kinesis', stream = 'orders', region = 'us-east-1', endpoint = '${remote.endpoint}')`);
    await vi.waitFor(() => expect(b.catalog.stream('orders')?.connector).toBeDefined(), { timeout: 30_000 });
    // Both processes know the declaration; exactly one runs the source.
    await vi.waitFor(() => expect(a.connectors.list().length + b.connectors.list().length).toBe(1), { timeout: 30_000 });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'orders', Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(JSON.stringify({ k: `k${i}`, v: i })) })) }));
    await vi.waitFor(async () => expect(await count(b, 'orders')).toBe(50), { timeout: 30_000 });
    const [source] = [...a.connectors.list(), ...b.connectors.list()];
    expect(source?.recordsRead).toBe(50);
    expect(await count(a, 'orders')).toBe(50);
  }, 60_000);
});
