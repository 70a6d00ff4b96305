#!/usr/bin/env node
// Builds dist/: the server and CLI (tsc with tsconfig.build.json) and the web console (build-console.mjs).
//
//   node scripts/build.mjs               build both (npm run build)
//   node scripts/build.mjs --if-changed  build only the parts whose inputs changed since the last build
//                                        (npm start and the demos run this first)
//
// What a part was built from is recorded in dist/.build-inputs.json: every input file's path, size and
// modification time. A part is up to date when its inputs still look exactly the same and its output
// is there; any edited, added or removed source, a changed tsconfig or lock file rebuilds it. tsc keeps
// its own incremental state beside the output, so a rebuild after a small edit re-checks less.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist');
const RECORD = join(dist, '.build-inputs.json');

/** Each part: the files it is built from, the file whose presence says it was built, and how to build it. */
const PARTS = {
  server: {
    inputs: () => filesUnder(join(repo, 'src'), (p) => !p.startsWith(join(repo, 'src', 'console')) && p.endsWith('.ts')),
    extra: ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'],
    output: join(dist, 'cli', 'main.js'),
    build: buildServer,
  },
  console: {
    inputs: () => filesUnder(join(repo, 'src', 'console'), () => true),
    extra: ['scripts/build-console.mjs', 'package-lock.json'],
    output: join(dist, 'console', 'manifest.json'),
    build: async () => {
      const { buildConsole } = await import('./build-console.mjs');
      await buildConsole();
    },
  },
};

async function filesUnder(dir, keep) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).filter(keep);
}

/** A digest of every input's path, size and modification time. */
async function fingerprint(part) {
  const paths = [...(await part.inputs()), ...part.extra.map((p) => join(repo, p))].sort();
  const hash = createHash('sha256');
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    hash.update(`${relative(repo, p)}\0${s ? `${s.size}\0${s.mtimeMs}` : 'missing'}\n`);
  }
  return { digest: hash.digest('hex'), files: paths.length };
}

function buildServer() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(repo, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', join(dist, '.tsbuildinfo')];
  const run = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`tsc failed (exit ${run.status ?? run.signal})`);
}

async function main() {
  const onlyChanged = process.argv.includes('--if-changed');
  const started = performance.now();
  const recorded = onlyChanged ? JSON.parse((await readFile(RECORD, 'utf8').catch(() => '{}')) || '{}') : {};
  const built = [];
  let checked = 0;
  for (const [name, part] of Object.entries(PARTS)) {
    const before = await fingerprint(part);
    checked += before.files;
    if (onlyChanged && recorded[name] === before.digest && existsSync(part.output)) continue;
    await part.build();
    // Recorded as the inputs were when the build started: a file edited during the build is seen next time.
    recorded[name] = before.digest;
    await mkdir(dist, { recursive: true });
    await writeFile(RECORD, `${JSON.stringify(recorded, null, 2)}\n`);
    built.push(name);
  }
  const ms = Math.round(performance.now() - started);
  if (built.length === 0) process.stdout.write(`dist/ is up to date (${checked} source files checked in ${ms} ms)\n`);
  else process.stdout.write(`built ${built.join(' and ')} into dist/ in ${(ms / 1000).toFixed(1)} s\n`);
}

main().catch((e) => {
  process.stderr.write(`build failed: ${e.message}\n`);
  process.exit(1);
});
