// Starts Eddy with the Firehose API on 127.0.0.1 (free port): a real stream store, a delivery manager
// writing to a temporary directory, and real SDK clients.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import { DeliveryManager, openStreamStore, type DeliveryEvent, type DeliveryManagerOptions, type StreamStore } from '../../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { firehoseService } from '../../../src/server/firehose-api/firehose-service.js';

export const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

export interface FirehoseServer {
  readonly app: FastifyInstance;
  readonly store: StreamStore;
  readonly delivery: DeliveryManager;
  readonly filesRoot: string;
  readonly endpoint: string;
  readonly firehose: FirehoseClient;
  readonly kinesis: KinesisClient;
  /** Resolves with the next `n` objects of `kind` to become durable. */
  objects(n: number, kind?: 'data' | 'error'): Promise<DeliveryEvent[]>;
  close(): Promise<void>;
}

export async function startFirehoseServer(options: Partial<DeliveryManagerOptions> = {}): Promise<FirehoseServer> {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-firehose-'));
  const store = await openStreamStore({ region: 'us-east-1', accountId: '000000000000', shardLimits: false, ...(options.clock ? { clock: options.clock } : {}) });
  const filesRoot = join(dir, 'files');
  const delivery = await DeliveryManager.open({ streams: store, dataDir: join(dir, 'data'), filesRoot, retry: { initialDelayMs: 5, maxDelayMs: 20 }, ...options });
  const events: DeliveryEvent[] = [];
  const waiters: { kind: string | undefined; n: number; got: DeliveryEvent[]; resolve: (e: DeliveryEvent[]) => void }[] = [];
  delivery.onDelivery((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.kind !== undefined && w.kind !== e.kind) continue;
      w.got.push(e);
      if (w.got.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(w.got);
      }
    }
  });
  const app = buildServer({ streamTransitions: IMMEDIATE_STREAM_TRANSITIONS, store, logger: false, services: [firehoseService({ delivery })], ...(options.clock ? { clock: options.clock } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const firehose = new FirehoseClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  return {
    app,
    store,
    delivery,
    filesRoot,
    endpoint,
    firehose,
    kinesis,
    objects(n, kind) {
      return new Promise((resolve) => waiters.push({ kind, n, got: [], resolve }));
    },
    async close() {
      firehose.destroy();
      kinesis.destroy();
      await app.close();
      await delivery.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
