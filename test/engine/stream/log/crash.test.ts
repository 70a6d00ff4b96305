// Kills a child process that appends with fsync `always` at random moments, many times, and checks after
// each restart that every acknowledged record is there once, in order, byte for byte, and that whatever
// else survived is intact.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { openFileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import { recordFor } from './fixtures/crash-records.mjs';
import { tempDir } from './temp-dir.js';

const ITERATIONS = 20;
const srcEngine = path.resolve(__dirname, '../../../../src/engine');
const writer = path.resolve(__dirname, 'fixtures/crash-writer.mjs');

/**
 * The child runs plain node, which cannot load TypeScript, so the log's sources (and the two engine
 * modules they import) are transpiled file by file into `outDir`, keeping their relative layout.
 */
function transpileLog(outDir: string): string {
  const files = ['clock.ts', 'errors.ts', ...fs.readdirSync(path.join(srcEngine, 'stream/log')).map((f) => `stream/log/${f}`)];
  for (const file of files) {
    const source = fs.readFileSync(path.join(srcEngine, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    const target = path.join(outDir, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
  fs.writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}');
  return path.join(outDir, 'stream/log/file-shard-log.js');
}

/** Deterministic choice of kill points, so a failing run can be replayed with the same schedule. */
function killPoints(seed: number): number[] {
  let state = seed;
  return Array.from({ length: ITERATIONS }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return 1 + (state % 40);
  });
}

/** Runs the writer until it has printed `acks` acknowledgements, kills it, and returns every acknowledged range. */
async function runAndKill(modulePath: string, dir: string, acks: number): Promise<{ ranges: [number, number][]; start: number }> {
  const child = spawn(process.execPath, [writer, modulePath, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ranges: [number, number][] = [];
  let start = -1;
  for await (const line of readline.createInterface({ input: child.stdout! })) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'ready') start = Number(a);
    else if (kind === 'ack') ranges.push([Number(a), Number(b)]);
    else throw new Error(`writer said: ${line}`);
    if (ranges.length === acks && child.exitCode === null) child.kill('SIGKILL');
  }
  await exited;
  if (child.signalCode !== 'SIGKILL') throw new Error(`writer exited on its own (${child.exitCode}): ${stderr}`);
  return { ranges, start };
}

describe('file shard log under SIGKILL', () => {
  let modulePath: string;
  beforeAll(() => {
    modulePath = transpileLog(path.join(tempDir().root, 'compiled'));
  });

  it(`keeps every acknowledged record, once, in order and intact, across ${ITERATIONS} kills`, async () => {
    const { shard } = tempDir();
    const acknowledged = new Set<number>();
    let highestAcknowledged = -1;
    for (const acks of killPoints(20_251_125)) {
      const { ranges, start } = await runAndKill(modulePath, shard, acks);
      expect(start).toBeGreaterThan(highestAcknowledged);
      for (const [first, count] of ranges) {
        for (let o = first; o < first + count; o++) {
          expect(acknowledged.has(o)).toBe(false);
          acknowledged.add(o);
          highestAcknowledged = Math.max(highestAcknowledged, o);
        }
      }

      const log = await openFileShardLog(shard, { fsync: 'always', tailCacheBytes: 0 });
      expect(log.firstOffset).toBe(0);
      expect(log.committedOffset).toBeGreaterThan(highestAcknowledged);
      let expected = 0;
      while (expected < log.committedOffset) {
        const records = log.read(expected, { maxRecords: 5000, maxBytes: 4 << 20 });
        expect(records.length).toBeGreaterThan(0);
        for (const record of records) {
          // Offsets run without gaps or repeats, and every record, acknowledged or not, is exactly what was written.
          expect(record.offset).toBe(expected);
          const original = recordFor(record.offset);
          expect(record.partitionKey).toBe(original.partitionKey);
          expect(Buffer.from(record.data).equals(Buffer.from(original.data))).toBe(true);
          expected++;
        }
      }
      expect(expected).toBe(log.committedOffset);
      await log.close();
    }
    expect(acknowledged.size).toBeGreaterThan(ITERATIONS);
    // Twenty child processes, each fsyncing for real: allow for a busy machine.
  }, 90_000);
});
