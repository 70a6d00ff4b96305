// The console as a user meets it: the bundle built from src/console (as `npm run build` builds it, into a
// temporary directory), a real server on a port with the engine, the /v1 API and the console, and a real
// headless Chromium (the system's package) driven by playwright-core.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { consoleAssets } from '../../src/server/console/console-assets.js';
import { firehoseService } from '../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../src/server/http/sql-api.js';

export { buildConsoleBundle, type BuiltConsole } from './console-bundle.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ConsoleServer {
  readonly engine: Engine;
  readonly app: FastifyInstance;
  readonly url: string;
  /** A /v1 call from the test, as any client would make it. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function startConsoleServer(
  consoleDir: string,
  options: {
    engine?: EngineOptions;
    plugins?: readonly FastifyPluginAsync[];
    configure?: (app: FastifyInstance) => void;
    /** Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this certificate. */
    tls?: { cert: Buffer; key: Buffer };
  } = {},
): Promise<ConsoleServer> {
  const engine = await createEngine({ shardLimits: false, fsync: 'never', ...options.engine });
  const delivery = engine.delivery;
  const app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    logger: false,
    services: delivery ? [firehoseService({ delivery })] : [],
    plugins: [...(options.plugins ?? []), sqlApi({ engine }), consoleAssets({ dir: consoleDir })],
    ...(options.tls ? { tls: options.tls } : {}),
  });
  options.configure?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    engine,
    app,
    url,
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await app.close();
      await engine.close();
    },
  };
}

export interface Browser {
  readonly context: BrowserContext;
  /** Script errors thrown on any page, for a test to check there were none. */
  readonly pageErrors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh headless Chromium with its own profile, which downloads nothing and talks only to the test's server. */
export async function launchBrowser(options: { ignoreHTTPSErrors?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), as .ci/run does`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'eddy-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    ...(options.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const pageErrors: string[] = [];
  return {
    context,
    pageErrors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go when someone asks for them (EDDY_CONSOLE_SCREENSHOTS=docs): the README's pictures. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.EDDY_CONSOLE_SCREENSHOTS;
  if (!dir) return;
  await page.screenshot({ path: join(dir, `console-${name}.png`), fullPage: true });
}

/** The browser's own timing of the page's last navigation, in ms from its start. */
export function navigationTiming(page: Page): Promise<{ domContentLoaded: number; load: number }> {
  // Evaluated in the page, where the Navigation Timing API exists (these sources are typed for Node).
  return page.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
  })()`);
}
