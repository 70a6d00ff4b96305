// A data directory written by Eddy before every name went through one path encoding (commit 2a7e783)
// opens with everything in it. test/fixtures/data-dir-before-name-encoding holds: streams `orders.v1`,
// `.` and `..` (in folders `%2E` and `%2E%2E`) and `clicks` with its SQL schema, a query whose id holds
// a dot (its checkpoint then named `daily%2Etotals.json`), a delivery stream `orders.raw-v1` that had
// delivered one object, and what delivery streams named `.` and `..` left behind: their definitions
// written to `delivery/` and to the data directory itself, and their internal streams.
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, ManualClock, type Engine } from '../../src/engine/index.js';

const FIXTURE = join(__dirname, '..', 'fixtures', 'data-dir-before-name-encoding');
/** When the fixture was written: records stay within their retention period. */
const WRITTEN_AT = 1796612331296;

let dir: string;
let dataDir: string;
let engine: Engine | undefined;
const clock = new ManualClock(WRITTEN_AT + 60_000);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-legacy-'));
  dataDir = join(dir, 'data');
  await cp(FIXTURE, dataDir, { recursive: true });
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  await rm(dir, { recursive: true, force: true });
});

const open = async (): Promise<Engine> => (engine = await createEngine({ dataDir, clock, fsync: 'never', shardLimits: false }));

async function recordsOf(e: Engine, stream: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of e.store.describeStream(stream).shards) {
    const iterator = await e.store.getShardIterator(stream, shard.shardId, { type: 'TRIM_HORIZON' });
    for (const r of (await e.store.getRecords(iterator)).records) out.push(Buffer.from(r.data).toString());
  }
  return out;
}

describe('a data directory written before names were encoded in one place', () => {
  it('opens with its streams and their records, including the streams named . and ..', async () => {
    const e = await open();
    for (const name of ['orders.v1', '.', '..']) expect(await recordsOf(e, name)).toEqual([`first in ${name}`, `second in ${name}`]);
    expect(e.store.listStreams().map((s) => s.streamName)).toEqual(expect.arrayContaining(['orders.v1', '.', '..', 'clicks']));
    expect((await readdir(join(dataDir, 'streams'))).sort()).toEqual(['%2E', '%2E%2E', '__firehose_.', '__firehose_..', '__firehose_orders.raw-v1', 'clicks', 'orders.v1']);
  });

  it('resumes the query whose id holds a dot from its checkpoint, its definition moved into a file of its own', async () => {
    const e = await open();
    expect(e.catalog.stream('clicks')?.columns.map((c) => c.name)).toEqual(['user_id', 'n']);
    expect(e.resumedQueries.map((q) => [q.id, q.status])).toEqual([['daily.totals', 'running']]);
    expect(e.catalog.query('daily.totals')?.checkpoint?.shards).toEqual({ 'shardId-000000000000': { after: '490000000000000000000000000000' } });
    expect((await readdir(join(dataDir, 'queries'))).sort()).toEqual(['daily%2Etotals.json', 'daily%2Etotals.query.json']);
    await e.close();

    const again = await open();
    expect(again.catalog.query('daily.totals')?.checkpoint?.shards).toEqual({ 'shardId-000000000000': { after: '490000000000000000000000000000' } });
  });

  it('keeps the delivery stream with an ordinary name in its folder: described, delivering, and deleted alone', async () => {
    const e = await open();
    const delivery = e.delivery!;
    expect(delivery.listDeliveryStreams().names).toEqual(['orders.raw-v1']);
    expect(delivery.describeDeliveryStream('orders.raw-v1').record.tags).toEqual({ team: 'data' });

    const delivered = new Promise<string>((resolve) => delivery.onDelivery((event) => resolve(event.key)));
    await delivery.putRecord('orders.raw-v1', Buffer.from('{"order":2}\n'));
    delivery.poke();
    const key = await delivered;
    expect(await readFile(join(dataDir, 'files', 'lake', key), 'utf8')).toBe('{"order":2}\n');
    expect(JSON.parse(await readFile(join(dataDir, 'delivery', 'orders.raw-v1', 'checkpoint.json'), 'utf8')).versionId).toBe(1);

    await delivery.deleteDeliveryStream('orders.raw-v1');
    expect((await readdir(join(dataDir, 'delivery'))).sort()).toEqual(['delivery-stream.json']);
    for (const name of ['orders.v1', '.', '..']) expect(await recordsOf(e, name)).toHaveLength(2);
  });

  it('leaves what delivery streams named . and .. wrote where it is, and does not take it for a delivery stream', async () => {
    const e = await open();
    expect(e.delivery!.listDeliveryStreams().names).toEqual(['orders.raw-v1']);
    expect(JSON.parse(await readFile(join(dataDir, 'delivery', 'delivery-stream.json'), 'utf8')).name).toBe('.');
    expect(JSON.parse(await readFile(join(dataDir, 'delivery-stream.json'), 'utf8')).name).toBe('..');
  });
});
