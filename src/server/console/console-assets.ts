// The web console's page and assets, served by the same server at `GET /` and `GET /assets/<file>`.
// Only the files named in the built bundle's manifest.json are served, read into memory once when the
// plugin starts: a request path is looked up by name and never becomes a file path, so nothing else on
// disk can be reached. Hashed assets are immutable and cached for a year; the page itself is revalidated,
// so a new build is picked up at the next load. Gzipped copies are sent to clients that accept them.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export interface ConsoleAssetsOptions {
  /** The built console (manifest.json, index.html, assets/); default: dist/console beside the compiled server. */
  readonly dir?: string;
}

/** Where `npm run build` writes the console, relative to this module once compiled into dist/server/console/. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

interface Asset {
  readonly type: string;
  readonly immutable: boolean;
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
}

interface Manifest {
  readonly files: Record<string, { readonly type: string; readonly immutable: boolean; readonly gzip?: string }>;
}

const ASSET_NAME = /^assets\/[A-Za-z0-9_.-]+$/;
// The page loads only its own files and talks only to this server (fetch and WebSocket); styles may be
// inline because the editor and the chart set them from script.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Eddy</title>
<p>The web console has not been built: run <code>npm run build</code> (or <code>npm start</code>, which builds first).
The APIs on this port work without it.</p>\n`;

export function consoleAssets(options: ConsoleAssetsOptions = {}): FastifyPluginAsync {
  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  return async (app: FastifyInstance) => {
    const assets = await loadAssets(dir);
    const page = assets?.get('index.html');

    const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply => {
      reply
        .header('content-type', asset.type)
        .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('vary', 'accept-encoding');
      if (asset.gzipped && acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
      return reply.send(asset.body);
    };

    app.get('/', async (request, reply) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
      if (!page) return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT_PAGE);
      return send(request, reply, page);
    });

    app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
      const asset = assets?.get(`assets/${request.params.file}`);
      if (!asset) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found\n');
      return send(request, reply, asset);
    });
  };
}

/** The manifest's files, or undefined when the console has not been built there. */
async function loadAssets(dir: string): Promise<Map<string, Asset> | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const assets = new Map<string, Asset>();
  for (const [name, entry] of Object.entries(manifest.files)) {
    // The manifest is ours, but a name that could leave the directory is refused all the same.
    if (name !== 'index.html' && !ASSET_NAME.test(name)) throw new Error(`console manifest names an unexpected file: ${JSON.stringify(name)}`);
    if (entry.gzip !== undefined && entry.gzip !== `${name}.gz`) throw new Error(`console manifest names an unexpected gzip file for ${name}`);
    const body = await readFile(join(dir, name));
    const gzipped = entry.gzip === undefined ? undefined : await readFile(join(dir, entry.gzip));
    assets.set(name, { type: entry.type, immutable: entry.immutable, body, gzipped });
  }
  return assets;
}

/** True unless the client leaves gzip out or gives it q=0. */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
