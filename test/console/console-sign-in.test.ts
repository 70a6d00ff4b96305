// A server that wants a token: the console asks for one when /v1 answers 401, sends it as a Bearer header,
// keeps it for the tab only, and passes it to the result WebSocket in the URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleBundle, launchBrowser, startConsoleServer, type Browser, type BuiltConsole, type ConsoleServer } from './console-harness.js';

const TOKEN = 's3cret-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let bundle: BuiltConsole;
let browser: Browser;
let server: ConsoleServer;
/** The token each result WebSocket upgrade carried. */
const socketTokens: (string | null)[] = [];

beforeAll(async () => {
  bundle = await buildConsoleBundle();
  server = await startConsoleServer(bundle.dir, {
    configure: (app) => {
      // As an operator's credentials make the server do: /v1 answers 401 without the token.
      app.addHook('onRequest', async (request, reply) => {
        if (request.url.startsWith('/v1/') && request.headers.authorization !== `Bearer ${TOKEN}`) {
          return reply.code(401).send({ error: { code: 'Unauthorized', message: 'This server needs an API token' } });
        }
        return undefined;
      });
      app.server.prependListener('upgrade', (req) => socketTokens.push(new URL(req.url ?? '/', 'http://x').searchParams.get('token')));
    },
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bundle?.remove();
});

describe('the web console on a server that wants a token', () => {
  it('asks for the token, refuses a wrong one, then uses it for requests and for result streams, whose changelog updates rows in place', async () => {
    await server.api('POST', '/v1/sql', { sql: 'CREATE STREAM events (kind VARCHAR) WITH (shards = 1)' }, AUTH);
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.getByLabel('API token').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The server did not accept that token.').waitFor();

    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('tr[data-stream="events"]').waitFor();
    expect(await page.evaluate("[sessionStorage.getItem('eddy.token'), localStorage.getItem('eddy.token')]")).toEqual([TOKEN, null]);

    // A continuously updated GROUP BY, a changelog: its rows are updated in place, one per kind.
    const started = await server.api('POST', '/v1/queries', { sql: 'SELECT kind, COUNT(*) AS n FROM events GROUP BY kind' }, AUTH);
    expect(started.status).toBe(201);
    await page.goto(`${server.url}/#/queries/${started.json.id}`);
    await page.getByRole('heading', { name: 'Rows' }).waitFor();
    const putKind = async (kind: string) =>
      expect((await server.api('POST', '/v1/streams/events/records', { partitionKey: 'k', data: JSON.stringify({ kind }) }, AUTH)).status).toBe(201);
    await putKind('signed-in');
    await page.locator('[data-received="1"]').waitFor();
    // The second changes the group: a -U and a +U.
    await putKind('signed-in');
    await page.locator('[data-received="3"]').waitFor();
    await putKind('viewed');
    await page.locator('[data-received="4"]').waitFor();
    const rows = await page.locator('.results-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.className, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    expect(rows).toEqual([
      ['', 'viewed', '1'],
      ['updated', 'signed-in', '2'],
    ]);
    await page.getByText('updated in place by key').waitFor();
    expect(socketTokens).toEqual([TOKEN]);
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);
});
