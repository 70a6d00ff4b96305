#!/usr/bin/env node
// Runs every benchmark in bench/ (files named *.bench.mjs) one after another, each in its own process so
// one benchmark's heap and JIT state do not colour the next. Pass names to run a subset, and options
// (written --name or --name=value) to hand to each benchmark run:
//   npm run bench -- streams window
//   npm run bench -- nexmark --quick
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  // The AWS SDK's Node-version notice would otherwise interleave with the figures.
  const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
  // The same young-generation size bin/eddy.js gives the server, so in-process figures match how Eddy runs.
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=32', join(here, file), ...flags], { stdio: 'inherit', env });
  if (run.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
