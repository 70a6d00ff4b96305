// `eddy repair` run as a user would: it refuses while a server has the data directory, reports on a dry
// run without changing anything, then quarantines the damaged record, says which one it dropped, and
// reads resume across the gap with sequence numbers still above every one handed out.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, openStreamStore } from '../../src/engine/index.js';
import { buildCli, exitOf, runEddy, startEddy, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;
let dataDir: string;
const acknowledged: string[] = [];
const SHARD = 'shardId-000000000000';
const shardDir = () => join(dataDir, 'streams', 'orders', 'shards', SHARD);

beforeAll(async () => {
  cli = buildCli('cli-repair');
  dataDir = mkdtempSync(join(tmpdir(), 'eddy-repair-'));
  // One arrival second for every record: a damaged record's sequence number is worked out from the
  // arrival second of the records beside it, which a put straddling a second boundary would change.
  const store = await openStreamStore({ dataDir, shardLimits: false, clock: new ManualClock(Date.now()) });
  await store.createStream('orders', { shardCount: 1 });
  await store.createStream('intact', { shardCount: 2 });
  const entries = await store.putRecords('orders', Array.from({ length: 200 }, (_, i) => ({ partitionKey: `k${i}`, data: Buffer.from(`order ${i};`) })));
  for (const e of entries) acknowledged.push((e as { sequenceNumber: string }).sequenceNumber);
  await store.close();
  const segment = join(shardDir(), readdirSync(shardDir()).find((n) => n.endsWith('.log'))!);
  const bytes = readFileSync(segment);
  bytes[bytes.indexOf('order 100;') + 1]! ^= 0x08;
  writeFileSync(segment, bytes);
});

afterAll(() => {
  cli.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('eddy repair', () => {
  it('documents itself', async () => {
    const help = await runEddy(cli.main, ['repair', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: eddy repair [options]');
    for (const option of ['--data-dir <path>', '--stream <name>', '--shard <shard id>', '--dry-run']) expect(help.stdout).toContain(option);
    expect(help.stdout).toContain('quarantine');
    expect((await runEddy(cli.main, ['--help'])).stdout).toMatch(/repair\s+Verifies a data directory/);
    const missing = await runEddy(cli.main, ['repair']);
    expect(missing.code).toBe(252);
    expect(missing.stderr).toContain('the following arguments are required: --data-dir');
  });

  it('refuses while a server has the data directory open, which logs the damage at error level', async () => {
    const server = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir]);
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await waitForOutput(server, /listening on http:\/\/127\.0\.0\.1:\d+/);
      const refused = await runEddy(cli.main, ['repair', '--data-dir', dataDir]);
      expect(refused.code).toBe(255);
      expect(refused.stderr).toContain(`eddy repair: Data directory ${dataDir} is in use by process ${server.pid} on this host`);
    } finally {
      server.kill('SIGTERM');
      await exitOf(server);
    }
    // The log's JSON lines, not the start-up warning about running without credentials.
    const line = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.stream === 'orders');
    expect(line).toMatchObject({ level: 50, shard: SHARD, damagedRecords: 1 });
  });

  it('reports on a dry run what it would drop, changing nothing', async () => {
    const before = readdirSync(shardDir()).sort();
    const dry = await runEddy(cli.main, ['repair', '--data-dir', dataDir, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Checked 3 shards of 2 streams in ${dataDir} (dry run: nothing is changed).`);
    expect(dry.stdout).toContain(`Stream orders, shard ${SHARD}: would drop 1 record (sequence number ${acknowledged[100]}),`);
    expect(dry.stdout).toContain('Would drop 1 record in 1 shard.');
    expect(readdirSync(shardDir()).sort()).toEqual(before);
    expect(existsSync(join(dataDir, 'quarantine'))).toBe(false);
  });

  it('quarantines the damaged record, says which it dropped, and reads resume across the gap', async () => {
    const repaired = await runEddy(cli.main, ['repair', '--data-dir', dataDir, '--stream', 'orders', '--shard', SHARD]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain(`Checked 1 shard of 1 stream in ${dataDir}.`);
    expect(repaired.stdout).toMatch(new RegExp(`Stream orders, shard ${SHARD}: dropped 1 record \\(sequence number ${acknowledged[100]}\\), \\d+ damaged bytes: torn or corrupt frame`));
    const quarantined = /quarantined in (\S+)/.exec(repaired.stdout)![1]!;
    expect(quarantined.startsWith(join(dataDir, 'quarantine'))).toBe(true);
    expect(readFileSync(quarantined).toString('latin1')).toContain('ozder 100;');
    expect(repaired.stdout).toContain('Their sequence numbers are not reused.');

    const again = await runEddy(cli.main, ['repair', '--data-dir', dataDir]);
    expect(again.stdout).toContain('No damaged records found.');

    const store = await openStreamStore({ dataDir, shardLimits: false });
    try {
      expect(store.damagedShards()).toEqual([]);
      const read = await store.getRecords(await store.getShardIterator('orders', SHARD, { type: 'TRIM_HORIZON' }));
      expect(read.records.map((r) => r.sequenceNumber)).toEqual(acknowledged.filter((_, i) => i !== 100));
      const put = await store.putRecord('orders', { partitionKey: 'k', data: Buffer.from('order 200;') });
      expect(acknowledged.every((seq) => BigInt(put.sequenceNumber) > BigInt(seq))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('names what it cannot find', async () => {
    const unknown = await runEddy(cli.main, ['repair', '--data-dir', dataDir, '--stream', 'nope']);
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toContain(`eddy repair: Stream nope not found in data directory ${dataDir}.`);
    const notData = await runEddy(cli.main, ['repair', '--data-dir', join(dataDir, 'streams')]);
    expect(notData.stderr).toContain('is not a data directory: it has no streams/ folder.');
    const shardAlone = await runEddy(cli.main, ['repair', '--data-dir', dataDir, '--shard', SHARD]);
    expect(shardAlone.code).toBe(252);
    expect(shardAlone.stderr).toContain('--shard needs --stream');
  });
});
