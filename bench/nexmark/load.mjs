// Loads the Nexmark kit (TypeScript, in this folder) into plain Node: esbuild bundles it once per change
// into dist/bench/, with packages left as imports, so the benchmark and the command-line generator run
// on every Node version Eddy supports without a TypeScript loader.
import { buildSync } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'bench', 'nexmark.mjs');

export async function loadNexmark() {
  buildSync({
    entryPoints: [join(here, 'index.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return import(pathToFileURL(out).href);
}
