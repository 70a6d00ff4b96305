// Delivery streams on two engines standing for two Eddy processes on one JetStream cluster, sharing a
// files root: a delivery stream created through one is listed by both and delivered by exactly one;
// records put through either reach the files; when the delivering process stops, the other takes the
// delivery stream over from its last checkpoint, and every record is delivered once.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine.js';
import { startNatsCluster, type NatsCluster } from '../../../scripts/nats-cluster.mjs';

let cluster: NatsCluster;
let filesRoot: string;
const engines = new Map<string, Engine>();

async function startEngine(name: string): Promise<Engine> {
  const engine = await createEngine({
    nats: { servers: cluster.urls.split(',') },
    shardLimits: false,
    filesRoot,
    // The delivery stream moves only when its process stops, which gives its lease up at once: the timeout
    // is never waited for, and is long so that a renewal held up by a loaded machine does not move it.
    cluster: { process: name, leaseRenewMs: 200, leaseTimeoutMs: 10_000 },
  });
  engines.set(name, engine);
  return engine;
}

beforeAll(async () => {
  cluster = await startNatsCluster();
  filesRoot = await mkdtemp(join(tmpdir(), 'eddy-cluster-files-'));
  await Promise.all([startEngine('a'), startEngine('b')]);
}, 90_000);

afterAll(async () => {
  for (const engine of engines.values()) await engine.close().catch(() => undefined);
  await cluster?.stop();
  await rm(filesRoot, { recursive: true, force: true });
});

const record = (id: number, pad = 0): Uint8Array => new TextEncoder().encode(`${JSON.stringify({ id, pad: 'x'.repeat(pad) })}\n`);

/** The ids in every object delivered to the bucket. */
async function deliveredIds(): Promise<number[]> {
  const base = join(filesRoot, 'logs');
  const files = (await readdir(base, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const ids: number[] = [];
  for (const f of files) {
    for (const line of (await readFile(join(f.parentPath, f.name), 'utf8')).split('\n')) if (line !== '') ids.push((JSON.parse(line) as { id: number }).id);
  }
  return ids.sort((x, y) => x - y);
}

describe('delivery streams on a cluster of Eddy processes', () => {
  it('are listed by every process, delivered by one, and taken over when it stops', async () => {
    const [a, b] = [engines.get('a')!.delivery!, engines.get('b')!.delivery!];
    await a.createDeliveryStream({
      DeliveryStreamName: 'logs',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/firehose', BucketARN: 'arn:aws:s3:::logs', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } },
    });
    await vi.waitFor(() => expect(b.listDeliveryStreams().names).toEqual(['logs']), { timeout: 30_000 });

    // Put through the process that does not deliver; the one that does writes them when it stops.
    await b.putRecordBatch('logs', Array.from({ length: 100 }, (_, i) => record(i)));
    await engines.get('a')!.close();
    engines.delete('a');

    // The other process takes over: 1.2 MB more fill a 1 MB buffer, and it writes an object.
    const written = new Promise<void>((resolve) => b.onDelivery(() => resolve()));
    for (let i = 100; i < 120; i += 5) await b.putRecordBatch('logs', Array.from({ length: 5 }, (_, j) => record(i + j, 60_000)));
    await written;
    await engines.get('b')!.close();
    engines.delete('b');
    expect(await deliveredIds()).toEqual(Array.from({ length: 120 }, (_, i) => i));
  }, 60_000);
});
