// Starts the whole Eddy app (Kinesis, Firehose and Kinesis Data Analytics on one port) over an engine with
// a data directory, with real SDK clients; restart() closes it and opens it again on the same directory.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import type { FastifyInstance } from 'fastify';
import { createEngine, type Engine, type StreamRecord } from '../../../src/engine/index.js';
import { IMMEDIATE_STREAM_TRANSITIONS } from '../../../src/server/app.js';
import { buildEddyApp } from '../../../src/server/eddy-app.js';

export const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
export const ROLE = 'arn:aws:iam::000000000000:role/kda';
export const streamArn = (name: string): string => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

export interface AnalyticsServer {
  readonly dir: string;
  engine: Engine;
  app: FastifyInstance;
  kda: KinesisAnalyticsClient;
  kinesis: KinesisClient;
  /** Puts JSON (or text) records through the Kinesis SDK, 500 at a time. */
  put(stream: string, records: readonly (object | string)[]): Promise<void>;
  /** Waits until the stream holds at least `n` records, then gives them all (one shard: in order). */
  records(stream: string, n: number): Promise<string[]>;
  /** Closes the server and the engine and opens them again on the same data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function open(dir: string): Promise<{ engine: Engine; app: FastifyInstance; kda: KinesisAnalyticsClient; kinesis: KinesisClient }> {
  const engine = await createEngine({ dataDir: dir, shardLimits: false, fsync: 'never', queries: { checkpointIntervalMs: 50 } });
  const app = buildEddyApp({ engine, logger: false, streamTransitions: IMMEDIATE_STREAM_TRANSITIONS });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    engine,
    app,
    kda: new KinesisAnalyticsClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
    kinesis: new KinesisClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
  };
}

export async function startAnalyticsServer(): Promise<AnalyticsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-kda-'));
  const server: AnalyticsServer = {
    dir,
    ...(await open(dir)),
    async put(stream, records) {
      for (let i = 0; i < records.length; i += 500) {
        const chunk = records.slice(i, i + 500).map((r, j) => ({ Data: Buffer.from(typeof r === 'string' ? r : JSON.stringify(r)), PartitionKey: `k${i + j}` }));
        const out = await server.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: chunk }));
        if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records were not put`);
      }
    },
    async records(stream, n) {
      const store = server.engine.store;
      const shards = store.describeStream(stream).shards;
      const found: StreamRecord[] = [];
      const cursors = shards.map((s) => store.openCursor(stream, s.shardId, { type: 'TRIM_HORIZON' }));
      try {
        for (;;) {
          for (const c of cursors) found.push(...(await c.read()).records);
          if (found.length >= n) return found.map((r) => Buffer.from(r.data).toString('utf8'));
          // Waits for the next record put to any shard (an event, not a timer).
          const abort = new AbortController();
          await Promise.race(cursors.map((c) => c.waitForRecords(abort.signal)));
          abort.abort();
        }
      } finally {
        for (const c of cursors) c.close();
      }
    },
    async restart() {
      await closeParts(server);
      Object.assign(server, await open(dir));
    },
    async close() {
      await closeParts(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

async function closeParts(server: AnalyticsServer): Promise<void> {
  server.kda.destroy();
  server.kinesis.destroy();
  await server.app.close();
  await server.engine.close();
}
