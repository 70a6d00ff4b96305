#!/usr/bin/env node
// The `eddy` command: runs the compiled CLI (npm run build produces dist/).
import { existsSync } from 'node:fs';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// Puts, reads and query batches allocate many short-lived objects per record. With V8's default young
// generation they outlive too many scavenges and are promoted, and old-generation GC then runs beside every
// read (halving read throughput in the stream benchmark). 32 MiB semi-spaces keep them young; the cost is a
// bounded ~64 MiB more heap. A --max-semi-space-size given in NODE_OPTIONS wins.
if (!(process.env.NODE_OPTIONS ?? '').includes('--max-semi-space-size')) v8.setFlagsFromString('--max-semi-space-size=32');

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('eddy is not built yet: run `npm run build` (or `npm ci && npm start`) first.\n');
  process.exit(1);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
