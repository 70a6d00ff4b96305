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

  /** Starts `eddy sql <args>` and resolves once it says its query started, with the query's id. */
  async function follow(args: string[]) {
    const child = spawn(process.execPath, ['--no-warnings', cli.main, 'sql', ...args, '--endpoint', eddy.endpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const queryId = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c;
        const m = /Query (?:'[^']*' \()?([0-9a-f-]{36})\)? started/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`eddy sql exited (${code}) early: ${stdout} ${stderr}`)));
    });
    /** Resolves when the server stops the query (it is deleted). */
    const queryEnded = new Promise<void>((resolve) => eddy.engine.queries.subscribe(queryId, { onRows: () => undefined, onEnd: resolve, onError: () => resolve() }));
    return { child, queryId, exited, queryEnded, output: () => ({ stdout, stderr }) };
  }

  it('deletes its query when its terminal closes (SIGHUP)', async () => {
    await eddy.sql('CREATE STREAM IF NOT EXISTS orders (id BIGINT, item VARCHAR, ts TIMESTAMP)');
    const run = await follow(['SELECT id FROM orders']);
    run.child.kill('SIGHUP');
    expect(await run.exited).toBe(0);
    await run.queryEnded;
    expect((await eddy.http('GET', `/v1/queries/${run.queryId}`)).status).toBe(404);
  });

  it('deletes its query when the reader of its output goes away (a closed pipe, as with | head)', async () => {
    await eddy.sql("CREATE STREAM IF NOT EXISTS piped (id BIGINT, ts TIMESTAMP)");
    const run = await follow(['SELECT id FROM piped']);
    const firstRow = new Promise<void>((resolve) => run.child.stdout.once('data', () => resolve()));
    await putAll(eddy.kinesis, 'piped', [{ key: 'a', data: { id: 1, ts: '2024-06-01T10:00:00Z' } }]);
    await firstRow;
    // As `head -1` exits after its first line: the read end of the pipe closes, and the next row cannot be written.
    run.child.stdout.destroy();
    await putAll(eddy.kinesis, 'piped', [{ key: 'b', data: { id: 2, ts: '2024-06-01T10:00:01Z' } }]);
    expect(await run.exited).toBe(0);
    await run.queryEnded;
    expect((await eddy.http('GET', `/v1/queries/${run.queryId}`)).status).toBe(404);
  });

  it('has the server delete its query when it is killed outright and its WebSocket closes', async () => {
    await eddy.sql('CREATE STREAM IF NOT EXISTS orders (id BIGINT, item VARCHAR, ts TIMESTAMP)');
    const run = await follow(['SELECT id FROM orders']);
    run.child.kill('SIGKILL');
    await run.exited;
    await run.queryEnded;
    expect((await eddy.http('GET', `/v1/queries/${run.queryId}`)).status).toBe(404);
  });

  it('leaves a query started with --name running when it ends, and says how to stop it', async () => {
    await eddy.sql('CREATE STREAM IF NOT EXISTS orders (id BIGINT, item VARCHAR, ts TIMESTAMP)');
    const run = await follow(['--name', 'kept-orders', 'SELECT id FROM orders']);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output().stderr).toContain(`Query 'kept-orders' (${run.queryId}) keeps running in the server; stop it with DELETE /v1/queries/${run.queryId}.`);
    const status = await eddy.http('GET', `/v1/queries/${run.queryId}`);
    expect(status.json).toMatchObject({ name: 'kept-orders', status: 'running' });
    expect((await eddy.http('DELETE', `/v1/queries/${run.queryId}`)).status).toBe(204);
  });

  it('leaves an INSERT INTO query running and prints its id', async () => {
    await eddy.sql("CREATE STREAM IF NOT EXISTS orders (id BIGINT, item VARCHAR, ts TIMESTAMP); CREATE STREAM IF NOT EXISTS order_ids (id BIGINT)");
    const run = await runEddy(cli.main, ['sql', 'INSERT INTO order_ids SELECT id FROM orders', '--endpoint', eddy.endpoint]);
    expect(run.code).toBe(0);
    const id = /^Started query (\S+) \(running\); its rows go to the stream named in its INSERT INTO and it keeps running in the server\.\n$/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    expect((await eddy.http('GET', `/v1/queries/${id}`)).json).toMatchObject({ status: 'running', sink: { kind: 'stream', stream: 'order_ids' } });
    expect((await eddy.http('DELETE', `/v1/queries/${id}`)).status).toBe(204);
  });

  it('prints a warning line for records it cannot decode, and with bad_records the server copies them to that stream', async () => {
    await eddy.sql("CREATE STREAM scores (player VARCHAR, points INT, ts TIMESTAMP); CREATE STREAM scores_bad (query VARCHAR)");
    const run = await follow(["SELECT player, points FROM scores WITH (bad_records = 'scores_bad')"]);
    const warned = new Promise<void>((resolve) => run.child.stderr.on('data', () => run.output().stderr.includes('Warning:') && resolve()));
    const [, bad] = await putAll(eddy.kinesis, 'scores', [
      { key: 'a', data: { player: 'ann', points: 3, ts: '2024-06-01T10:00:00Z' } },
      { key: 'b', data: { player: 'bob', points: 2.7, ts: '2024-06-01T10:00:01Z' } },
    ]);
    await warned;
    expect(run.output().stderr).toMatch(new RegExp(`\\nWarning: query ${run.queryId}: 1 record could not be decoded and was skipped; the last: record \\d+ in shard ${bad}: .*points.*\\n`));
    const copied = () => {
      const cursor = eddy.engine.store.openCursor('scores_bad', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
      const records = cursor.read({ maxRecords: 10 }).records.map((r) => JSON.parse(Buffer.from(r.data).toString()) as Record<string, unknown>);
      cursor.close();
      return records;
    };
    await expect.poll(() => copied().length).toBe(1);
    expect(copied()[0]).toMatchObject({ query: run.queryId, stream: 'scores', shardId: bad, text: '{"player":"bob","points":2.7,"ts":"2024-06-01T10:00:01Z"}' });
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
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
