#!/usr/bin/env node
// Builds the web console: bundles src/console (TypeScript, Preact, CodeMirror, uPlot) with esbuild into
// content-hashed files, writes the page that loads them, a gzipped copy of each, and manifest.json, the
// list of files the server may serve. `npm run build` runs it; tests call buildConsole() into a temporary
// directory. Usage: node scripts/build-console.mjs [out-dir] (default dist/console).

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONTENT_TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };

/**
 * @param {{ outDir?: string, minify?: boolean }} [options]
 * @returns {Promise<{ outDir: string, files: { path: string, bytes: number, gzipBytes: number }[] }>}
 */
export async function buildConsole(options = {}) {
  const outDir = resolve(options.outDir ?? join(repo, 'dist', 'console'));
  // Old hashed files would otherwise pile up next to the new ones.
  await rm(outDir, { recursive: true, force: true });
  const assets = join(outDir, 'assets');
  await mkdir(assets, { recursive: true });
  const result = await build({
    absWorkingDir: repo,
    entryPoints: { console: 'src/console/main.tsx' },
    bundle: true,
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: options.minify ?? true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // The editor and the chart are loaded when a view first needs them, so the first page stays small.
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    outdir: assets,
    metafile: true,
    legalComments: 'eof',
    logLevel: 'silent',
    tsconfig: 'src/console/tsconfig.json',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(repo, p));
  const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint !== undefined)?.[0];
  const script = entry === undefined ? undefined : resolve(repo, entry);
  const styles = outputs.filter((p) => p.endsWith('.css'));
  if (!script) throw new Error('esbuild wrote no JavaScript for the console');
  // Chunks the entry imports statically are fetched with it rather than after it has been parsed.
  const preloads = (result.metafile.outputs[entry].imports ?? []).filter((i) => i.kind === 'import-statement').map((i) => resolve(repo, i.path));
  const href = (p) => `/${relative(outDir, p).split('\\').join('/')}`;
  const html = (await readFile(join(repo, 'src', 'console', 'index.html'), 'utf8'))
    .replace('<!-- styles -->', styles.map((p) => `<link rel="stylesheet" href="${href(p)}">`).join('\n    '))
    .replace(
      '<!-- script -->',
      [...preloads.map((p) => `<link rel="modulepreload" href="${href(p)}">`), `<script type="module" src="${href(script)}"></script>`].join('\n    '),
    );
  await writeFile(join(outDir, 'index.html'), html);

  const files = [];
  const manifest = { files: {} };
  for (const path of [join(outDir, 'index.html'), ...outputs]) {
    const name = relative(outDir, path).split('\\').join('/');
    const ext = name.slice(name.lastIndexOf('.'));
    const type = CONTENT_TYPES[ext];
    if (!type) throw new Error(`no content type for ${name}`);
    const body = await readFile(path);
    const gzipped = gzipSync(body, { level: 9 });
    await writeFile(`${path}.gz`, gzipped);
    manifest.files[name] = { type, immutable: name !== 'index.html', gzip: `${name}.gz` };
    files.push({ path: name, bytes: body.length, gzipBytes: gzipped.length });
  }
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outDir, files } = await buildConsole(process.argv[2] ? { outDir: process.argv[2] } : {});
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const total = files.reduce((sum, f) => sum + f.gzipBytes, 0);
  process.stdout.write(`console built in ${relative(process.cwd(), outDir) || '.'}: ${files.map((f) => `${basename(f.path)} ${kb(f.bytes)} (${kb(f.gzipBytes)} gzipped)`).join(', ')}; ${kb(total)} gzipped in all\n`);
}
