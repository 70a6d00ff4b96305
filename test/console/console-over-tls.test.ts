// The console on a server that serves HTTPS: the page and its assets over HTTP/2, and results over wss://.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificate, type TestCertificate } from '../server/tls-certificate.js';
import { buildConsoleBundle, launchBrowser, startConsoleServer, type Browser, type BuiltConsole, type ConsoleServer } from './console-harness.js';

let bundle: BuiltConsole;
let browser: Browser;
let server: ConsoleServer;
let certificate: TestCertificate;

beforeAll(async () => {
  bundle = await buildConsoleBundle();
  certificate = testCertificate();
  server = await startConsoleServer(bundle.dir, { tls: { cert: certificate.cert, key: certificate.key } });
  // The certificate is self-signed for this test.
  browser = await launchBrowser({ ignoreHTTPSErrors: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bundle?.remove();
  certificate?.cleanup();
});

describe('the web console over HTTPS', () => {
  it('loads over HTTP/2 and receives results over a wss:// WebSocket', async () => {
    await server.engine.store.createStream('events', { shardCount: 1 });
    const page = await browser.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${server.url}/#/sql`);
    await page.locator('.cm-content').waitFor();
    expect(await page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")).toBe('h2');

    await page.locator('.cm-content').click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('CREATE STREAM events (kind VARCHAR); SELECT kind FROM events');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('.query-link').click();
    await page.getByRole('heading', { name: 'Rows' }).waitFor();
    await server.engine.store.putRecord('events', { partitionKey: 'k', data: new TextEncoder().encode('{"kind":"secure"}') });
    await page.locator('.results-table td').getByText('secure').waitFor();
    expect(sockets).toEqual([expect.stringMatching(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/queries\/[^/]+\/results$/)]);
    expect(browser.pageErrors).toEqual([]);
  }, 120_000);
});
