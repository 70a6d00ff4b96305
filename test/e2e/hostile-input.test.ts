// What a hostile client sends, through a listening server with real clients: SQL nested or chained past
// the compiler's limits, patterns that make backtracking matchers run for minutes, a query that spends
// longer than its CPU budget on a batch, and columns and records named after Object.prototype's
// members. Each gets a clear answer, and the server goes on answering everything else.
import { afterEach, describe, expect, it } from 'vitest';
import { FrameClient } from '../server/ws/frame-client.js';
import { putAll, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function eddy(options: Parameters<typeof startEddy>[0] = {}): Promise<Eddy> {
  const e = await startEddy(options);
  cleanup.push(() => e.close());
  return e;
}

async function subscribe(e: Eddy, queryId: string): Promise<FrameClient> {
  const client = await FrameClient.connect(e.endpoint, queryId);
  cleanup.push(async () => client.close());
  await client.until((c) => c.frames[0]?.type === 'schema', 'schema frame');
  return client;
}

/** The server still answers: health, and a query over the SQL API. */
async function stillAnswers(e: Eddy): Promise<void> {
  expect((await fetch(`${e.endpoint}/healthz`)).status).toBe(200);
  const shown = await e.http('POST', '/v1/sql', { sql: 'SHOW STREAMS' });
  expect(shown.status).toBe(200);
}

describe('SQL past the compiler limits', () => {
  // [what, SQL, the error, the endpoints that get it]. A 100,000-operator chain takes seconds to parse
  // before it is refused, so it goes to one endpoint only.
  const cases: [string, string, Record<string, unknown>, string[]][] = [
    [
      '1,000 nested parentheses',
      `SELECT ${'('.repeat(1000)}amount${')'.repeat(1000)} FROM clicks`,
      { code: 'LimitExceeded', message: 'expressions nest deeper than 64 levels (each parenthesis, subquery, CASE, NOT and sign opens one)', line: 1, column: 72, token: '(' },
      ['/v1/sql', '/v1/queries'],
    ],
    [
      'a chain of 5,000 additions',
      `SELECT 1${'+1'.repeat(5_000)} FROM clicks`,
      { code: 'LimitExceeded', message: expect.stringMatching(/^expression is deeper than 500 levels/), line: 1, column: 8 + 2 * 499 + 1, token: '+' },
      ['/v1/sql'],
    ],
    [
      'a chain of 4,000 ANDs',
      `SELECT amount FROM clicks WHERE amount > 0${' AND amount > 0'.repeat(4_000)}`,
      { code: 'LimitExceeded', message: expect.stringMatching(/^expression is deeper than 500 levels/), token: 'AND' },
      ['/v1/queries'],
    ],
    [
      'a script of 100,000 additions, more tokens than a script may hold',
      `SELECT 1${'+1'.repeat(100_000)} FROM clicks`,
      { code: 'LimitExceeded', message: expect.stringMatching(/^SQL text holds 200,004 tokens, more than the 20,000 allowed$/), token: '+' },
      ['/v1/sql'],
    ],
    [
      'more than 1 MiB of SQL text',
      `SELECT amount FROM clicks WHERE user_id = '${'x'.repeat(1_100_000)}'`,
      { code: 'LimitExceeded', message: expect.stringMatching(/^SQL text is 1,100,044 characters long, more than the 1,048,576 \(1 MiB\) allowed$/), line: 1, column: 1_048_577 },
      ['/v1/sql', '/v1/queries'],
    ],
  ];

  for (const [what, sql, error, paths] of cases) {
    it(`answers ${what} with a 400 naming the limit, and goes on answering`, { timeout: 120_000 }, async () => {
      const e = await eddy();
      await e.sql('CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE)');
      for (const path of paths) {
        const res = await e.http('POST', path, { sql });
        expect(res.status, path).toBe(400);
        expect(res.json.error, path).toMatchObject(error);
      }
      await stillAnswers(e);
    });
  }
});

describe('pattern matching on hostile input', () => {
  it("answers LIKE '%a%a%a%a%a%a%b' over a 120-byte record at once, and the other APIs meanwhile", async () => {
    const e = await eddy();
    await e.sql('CREATE STREAM notes (id INT, b VARCHAR)');
    const [{ query }] = await e.sql("SELECT id FROM notes WHERE b LIKE '%a%a%a%a%a%a%b' OR REGEXP_LIKE(b, '^(a+)+$')");
    const client = await subscribe(e, query.id);
    await putAll(e.kinesis, 'notes', [
      { key: 'k', data: { id: 1, b: 'a'.repeat(120) } },
      { key: 'k', data: { id: 2, b: `${'a'.repeat(60)}!` } },
      { key: 'k', data: { id: 3, b: `${'a'.repeat(119)}b` } },
    ]);
    await client.until((c) => c.rows.length === 2, 'two rows');
    expect(client.rows).toEqual([{ id: 1 }, { id: 3 }]);
    await stillAnswers(e);
    expect((await e.http('GET', `/v1/queries/${query.id}`)).json).toMatchObject({ status: 'running', inputRecords: 3 });
  });

  it('refuses a backreference with a 400 at the pattern, naming it', async () => {
    const e = await eddy();
    await e.sql('CREATE STREAM notes (id INT, b VARCHAR)');
    const res = await e.http('POST', '/v1/queries', { sql: "SELECT id FROM notes WHERE REGEXP_LIKE(b, '(a)\\1')" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'TypeMismatch', line: 1, column: 43, token: "'(a)\\1'", message: expect.stringContaining('backreferences such as \\1 are not supported') });
  });
});

describe('a query over its CPU budget', () => {
  it('is failed with a clear status, its subscribers are told, and it stays failed after a restart', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    // A CPU clock under which every record read took 10 ms: a batch of 100 records takes a second.
    let first: Eddy | undefined;
    const clock = { now: () => (first?.engine.queries.listQueries() ?? []).reduce((ms, q) => ms + q.inputRecords * 10, 0) };
    first = await startEddy({ dataDir: dir.path, queries: { batchSize: 100, maxBatchMillis: 500, cpuClock: clock } });
    await first.sql('CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE)');
    const [{ query }] = await first.sql('SELECT user_id FROM clicks');
    const client = await FrameClient.connect(first.endpoint, query.id);
    await putAll(first.kinesis, 'clicks', Array.from({ length: 200 }, (_v, i) => ({ key: `k${i}`, data: { user_id: `u${i}`, amount: i } })));
    const message = 'query exceeded its CPU budget: 500 ms on one batch of 100 rows from stream clicks';
    await client.until((c) => c.frames.some((f) => f.type === 'error'), 'error frame');
    expect(client.frames.find((f) => f.type === 'error')).toMatchObject({ message });
    expect((await first.http('GET', `/v1/queries/${query.id}`)).json).toMatchObject({ status: 'failed', error: message });
    await stillAnswers(first);
    client.ws.close();
    await first.close();

    const second = await eddy({ dataDir: dir.path });
    expect((await second.http('GET', `/v1/queries/${query.id}`)).json).toMatchObject({ status: 'failed', error: message, inputRecords: 0 });
    expect((await second.http('DELETE', `/v1/queries/${query.id}`)).status).toBe(204);
  });
});

describe('names that Object.prototype also has', () => {
  it('delivers a column named __proto__ in WebSocket rows and INSERT INTO records, and a record cannot pollute anything', async () => {
    const e = await eddy();
    await e.sql(`CREATE STREAM odd (__proto__ VARCHAR, "constructor" INT, toString VARCHAR PATH '$.__proto__.toString');
      CREATE STREAM copy (__proto__ VARCHAR, "constructor" INT, toString VARCHAR)`);
    const [{ query: selected }] = await e.sql('SELECT __proto__, "constructor", toString FROM odd');
    await e.sql('INSERT INTO copy SELECT __proto__, "constructor", toString FROM odd');
    const [{ query: copied }] = await e.sql('SELECT * FROM copy');
    const direct = await subscribe(e, selected.id);
    const viaInsert = await subscribe(e, copied.id);
    expect(direct.frames[0]!.columns!.map((c) => c.name)).toEqual(['__proto__', 'constructor', 'toString']);

    await putAll(e.kinesis, 'odd', [
      { key: 'k', data: JSON.parse('{"__proto__": "p", "constructor": 7}') },
      { key: 'k', data: JSON.parse('{"__proto__": {"polluted": "yes", "toString": "t"}, "constructor": 8}') },
    ]);
    await direct.until((c) => c.rows.length === 2, 'two rows');
    await viaInsert.until((c) => c.rows.length === 2, 'two copied rows');
    // An object given to a VARCHAR column arrives as its JSON text: data, never a prototype.
    const expected = [
      JSON.parse('{"__proto__": "p", "constructor": 7, "toString": null}'),
      JSON.parse('{"__proto__": "{\\"polluted\\":\\"yes\\",\\"toString\\":\\"t\\"}", "constructor": 8, "toString": "t"}'),
    ];
    expect(direct.rows).toEqual(expected);
    const values = (r: Record<string, unknown>) => [r['__proto__'], r['constructor'], r['toString']];
    expect(viaInsert.rows.map(values)).toEqual(expected.map(values));
    expect(viaInsert.rows.every((r) => Object.hasOwn(r, '__proto__'))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await stillAnswers(e);
  });
});
