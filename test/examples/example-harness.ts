// Runs a demo pipeline from examples/ the way a newcomer does, against Eddy started in this process
// as `eddy serve` composes it (engine on a temporary data directory; Kinesis, Firehose and the SQL API
// with WebSocket results on one port), and collects what the script printed.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { renderDeliveryMetrics } from '../../src/server/firehose-api/delivery-metrics-text.js';
import { firehoseService } from '../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../src/server/http/sql-api.js';

export interface ExampleServer {
  readonly endpoint: string;
  readonly engine: Engine;
  readonly filesRoot: string;
  close(): Promise<void>;
}

export async function startExampleServer(): Promise<ExampleServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'eddy-examples-'));
  const engine = await createEngine({ dataDir, fsync: 'never', shardLimits: false, deliveryRetry: { initialDelayMs: 5, maxDelayMs: 50 } });
  const delivery = engine.delivery!;
  let app: FastifyInstance | undefined;
  try {
    app = buildServer({
      streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
      store: engine.store,
      clock: engine.clock,
      logger: false,
      services: [firehoseService({ delivery })],
      plugins: [sqlApi({ engine })],
      metrics: [() => renderDeliveryMetrics(delivery.metrics())],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (e) {
    await engine.close();
    throw e;
  }
  const { port } = app.server.address() as { port: number };
  const server = app;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    engine,
    filesRoot: join(dataDir, 'files'),
    async close() {
      await server.close();
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: readonly string[];
}

/** Runs `node examples/<name>/run.mjs <args>` and resolves when it exits by itself. */
export function runExample(name: string, args: readonly string[]): Promise<ExampleRun> {
  const script = join('examples', name, 'run.mjs');
  const child = spawn(process.execPath, [script, ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, lines: stdout.split('\n') }));
  });
}

/** Every file under `dir`, as paths relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}
