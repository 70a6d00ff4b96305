// The query worker's module for tests that run the engine from its sources: worker threads run plain
// JavaScript, so the worker's entry is bundled from src/ (with everything it imports) into one file, once
// per test run, as the build would compile it.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

let built: Promise<URL> | undefined;

export function queryThreadModule(): Promise<URL> {
  built ??= (async () => {
    const outfile = join(tmpdir(), `eddy-query-thread-${process.pid}-${Date.now()}.mjs`);
    await build({
      entryPoints: [fileURLToPath(new URL('../../src/engine/query/threads/query-thread-main.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'error',
      // Packages written as CommonJS call require(), which a bundled ES module has to be given.
      banner: { js: "import { createRequire as __eddyRequire } from 'node:module'; const require = __eddyRequire(import.meta.url);" },
    });
    return pathToFileURL(outfile);
  })();
  return built;
}
