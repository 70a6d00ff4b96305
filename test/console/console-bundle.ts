// The console's bundle built from src/console as `npm run build` builds it, into a temporary directory, so
// tests never depend on a build someone ran by hand.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole } from '../../scripts/build-console.mjs';

export interface BuiltConsole {
  readonly dir: string;
  readonly files: readonly { path: string; bytes: number; gzipBytes: number }[];
  remove(): Promise<void>;
}

export async function buildConsoleBundle(): Promise<BuiltConsole> {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-console-'));
  const { files } = await buildConsole({ outDir: dir });
  return { dir, files, remove: () => rm(dir, { recursive: true, force: true }) };
}
