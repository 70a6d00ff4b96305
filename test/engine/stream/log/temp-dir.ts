// Fresh directories for file-log tests, removed after each test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory; `name` is a subdirectory that does not exist yet, for logs to create. */
export function tempDir(): { root: string; shard: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eddy-log-'));
  made.push(root);
  return { root, shard: path.join(root, 'shard') };
}

export function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
}
