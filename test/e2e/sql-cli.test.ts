// `eddy sql` as a user runs it: a separate process against a listening server.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runEddy } from '../cli/run-eddy.js';
import { putAll, startEddy, type Eddy } from './e2e-harness.js';

let cli: ReturnType<typeof buildCli>;
let eddy: Eddy;

beforeAll(async () => {
  cli = buildCli('sql-cli');
  eddy = await startEddy({});
});

afterAll(async () => {
  await eddy.close();
  cli.cleanup();
});

describe('eddy sql', () => {
  it('runs DDL, SHOW STREAMS and DESCRIBE and prints their results', async () => {
    const run = await runEddy(cli.main, [
      'sql',
      "CREATE STREAM orders (id BIGINT, item VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (shards = 2); SHOW STREAMS; DESCRIBE orders",
      '--endpoint',
      eddy.endpoint,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        "Stream 'orders' created with 2 shards",
        'name    status  shards  format  columns',
        `------  ------  ------  ------  ${'-'.repeat('id BIGINT, item VARCHAR, ts TIMESTAMP'.length)}`,
        'orders  ACTIVE  2       json    id BIGINT, item VARCHAR, ts TIMESTAMP',
        '(1 row)',
        'column                type       note',
        '--------------------  ---------  ----------------------',
        'id                    BIGINT     NULL',
        'item                  VARCHAR    NULL',
        'ts                    TIMESTAMP  WATERMARK ts - 2000 ms',
        '_arrival_time         TIMESTAMP  system',
        '_partition_key        VARCHAR    system',
        '_shard_id             VARCHAR    system',
        '_sequence_number      VARCHAR    system',
        '_sub_sequence_number  BIGINT     system',
        '(8 rows)',
        '',
      ].join('\n'),
    );
  });

  it('prints a SQL error with a caret under the offending token and exits non-zero', async () => {
    await eddy.sql('CREATE STREAM IF NOT EXISTS orders (id BIGINT, item VARCHAR, ts TIMESTAMP)');
    const run = await runEddy(cli.main, ['sql', 'SELECT id,\n  itme FROM orders', '--endpoint', eddy.endpoint]);
    expect(run.code).toBe(254);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      [
        "error[UnknownColumn]: Unknown column 'itme' in orders; did you mean 'item'?",
        ' --> line 2, column 3',
        '2 |   itme FROM orders',
        '  |   ^^^^',
        '',
      ].join('\n'),
    );
  });

  it('follows a SELECT, printing rows as JSON lines as they arrive, and deletes the query on Ctrl-C', async () => {
    await eddy.sql('CREATE STREAM IF NOT EXISTS orders (id BIGINT, item VARCHAR, ts TIMESTAMP)');
    const child = spawn(process.execPath, ['--no-warnings', cli.main, 'sql', "SELECT id, UPPER(item) AS item FROM orders WHERE item <> 'skip'", '--endpoint', eddy.endpoint], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const seen = (stream: 'out' | 'err', pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(stream === 'out' ? stdout : stderr) && resolve();
        (stream === 'out' ? child.stdout : child.stderr).on('data', (c: Buffer) => {
          if (stream === 'out') stdout += c;
          else stderr += c;
          check();
        });
        child.once('exit', (code) => reject(new Error(`eddy sql exited (${code}) early: ${stdout} ${stderr}`)));
      });
    const started = seen('err', /printing its rows/);
    const rows = seen('out', /"id":3/);
    await started;
    const queryId = /Query (\S+) started/.exec(stderr)![1]!;
    await putAll(eddy.kinesis, 'orders', [
      { key: 'a', data: { id: 1, item: 'tea', ts: '2024-06-01T10:00:00Z' } },
      { key: 'b', data: { id: 2, item: 'skip', ts: '2024-06-01T10:00:01Z' } },
      { key: 'c', data: { id: 3, item: 'cake', ts: '2024-06-01T10:00:02Z' } },
    ]);
    await rows;
    expect(stdout.trim().split('\n').map((l) => JSON.parse(l)).sort((a, b) => a.id - b.id)).toEqual([
      { id: 1, item: 'TEA' },
      { id: 3, item: 'CAKE' },
    ]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect((await eddy.http('GET', `/v1/queries/${queryId}`)).status).toBe(404);
  });

  it("prints a changelog's rows with their kind first, so a reader can apply them", async () => {
    await eddy.sql('CREATE STREAM IF NOT EXISTS sales (item VARCHAR, ts TIMESTAMP)');
    const child = spawn(process.execPath, ['--no-warnings', cli.main, 'sql', 'SELECT item, COUNT(*) AS n FROM sales GROUP BY item', '--endpoint', eddy.endpoint], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const waiting: (() => void)[] = [];
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      for (const w of [...waiting]) w();
    });
    const lines = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => stdout.split('\n').filter(Boolean).length >= n && resolve();
        waiting.push(check);
        check();
      });
    const first = lines(1);
    await new Promise<void>((resolve) => child.stderr.on('data', () => /printing its rows/.test(stderr) && resolve()));
    await putAll(eddy.kinesis, 'sales', [{ key: 'a', data: { item: 'tea', ts: '2024-06-01T10:00:00Z' } }]);
    await first;
    const three = lines(3);
    await putAll(eddy.kinesis, 'sales', [{ key: 'a', data: { item: 'tea', ts: '2024-06-01T10:00:01Z' } }]);
    await three;
    expect(stdout.trim().split('\n')).toEqual(['{"_op":"+I","item":"tea","n":1}', '{"_op":"-U","item":"tea","n":1}', '{"_op":"+U","item":"tea","n":2}']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('says so when nothing listens at the endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const run = await runEddy(cli.main, ['sql', 'SHOW STREAMS', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain('Could not connect to the endpoint URL');
  });

  it('explains its usage with --help', async () => {
    const run = await runEddy(cli.main, ['sql', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: eddy sql "<statements>" [--endpoint url]');
  });
});
