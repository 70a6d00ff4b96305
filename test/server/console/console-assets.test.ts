// The console's files as the server hands them out: the page at /, hashed assets cached for good, gzip when
// asked for, and nothing that the built bundle's manifest does not name.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleAssets } from '../../../src/server/console/console-assets.js';
import { buildConsoleBundle, type BuiltConsole } from '../../console/console-bundle.js';

let bundle: BuiltConsole;
let app: FastifyInstance;
let assetNames: string[];

beforeAll(async () => {
  bundle = await buildConsoleBundle();
  app = Fastify({ logger: false });
  await app.register(consoleAssets({ dir: bundle.dir }));
  await app.ready();
  const manifest = JSON.parse(await readFile(join(bundle.dir, 'manifest.json'), 'utf8')) as { files: Record<string, unknown> };
  assetNames = Object.keys(manifest.files).filter((n) => n.startsWith('assets/'));
}, 60_000);

afterAll(async () => {
  await app?.close();
  await bundle?.remove();
});

describe('the console page', () => {
  it('is served at / as HTML that is revalidated, with a policy that keeps it to its own files and this server', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toMatch(/<script type="module" src="\/assets\/console-[A-Z0-9]+\.js"><\/script>/);
    expect(res.body).toMatch(/<link rel="stylesheet" href="\/assets\/console-[A-Z0-9]+\.css">/);
    expect((await app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);
  });

  it('serves every asset the page loads under a content-hashed name, cached for a year as immutable', async () => {
    const page = (await app.inject({ method: 'GET', url: '/' })).body;
    const linked = [...page.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(linked.length).toBeGreaterThanOrEqual(2);
    for (const name of linked) expect(assetNames).toContain(name);
    for (const name of assetNames) {
      const res = await app.inject({ method: 'GET', url: `/${name}` });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['content-type']).toBe(name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
      expect(res.rawPayload.equals(await readFile(join(bundle.dir, name)))).toBe(true);
    }
  });

  it('sends gzip to clients that accept it, and plain bytes to others', async () => {
    const name = assetNames.find((n) => n.endsWith('.js'))!;
    const plain = await readFile(join(bundle.dir, name));
    const gzipped = await app.inject({ method: 'GET', url: `/${name}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('accept-encoding');
    expect(gunzipSync(gzipped.rawPayload).equals(plain)).toBe(true);
    expect(gzipped.rawPayload.length).toBeLessThan(plain.length);
    const refused = await app.inject({ method: 'GET', url: `/${name}`, headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.rawPayload.equals(plain)).toBe(true);
  });

  it('answers 404 for anything the manifest does not name, however the path is spelt', async () => {
    for (const url of [
      '/assets/nope.js',
      '/assets/..%2Fmanifest.json',
      '/assets/%2e%2e%2fmanifest.json',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/../manifest.json',
      '/manifest.json',
      '/index.html',
      '/assets/',
      `/${assetNames[0]}.gz`,
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
    }
  });
});

describe('a server without a built console', () => {
  it('answers / with a page that says how to build it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'eddy-no-console-'));
    const bare = Fastify({ logger: false });
    await bare.register(consoleAssets({ dir: empty }));
    const res = await bare.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    await bare.close();
    await rm(empty, { recursive: true });
  });

  it('refuses to start on a manifest that names a file outside the bundle', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-bad-console-'));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ files: { '../secret': { type: 'text/plain', immutable: true } } }));
    const bad = Fastify({ logger: false });
    await expect(bad.register(consoleAssets({ dir })).ready()).rejects.toThrow(/unexpected file/);
    await rm(dir, { recursive: true });
  });
});
