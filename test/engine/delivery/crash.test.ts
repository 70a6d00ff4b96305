// A delivering process is killed with SIGKILL mid-delivery and started again: every acknowledged record
// ends up in a file, and only the records of the interrupted buffer may appear twice.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../cli/run-eddy.js';

let work: string;

/** The child's script, importing the engine from `engine` (a directory URL of compiled sources). */
const childScript = (engine: string): string => `
import { openStreamStore } from '${engine}/stream/open-stream-store.js';
import { DeliveryManager } from '${engine}/delivery/delivery-manager.js';
const [dir, mode, total] = process.argv.slice(2);
const store = await openStreamStore({ dataDir: dir + '/streams', shardLimits: false });
const m = await DeliveryManager.open({ streams: store, dataDir: dir + '/delivery', filesRoot: dir + '/files' });
m.onDelivery((e) => process.stdout.write('delivered ' + e.records + '\\n'));
if (!m.listDeliveryStreams().names.includes('crash')) {
  await m.createDeliveryStream({
    DeliveryStreamName: 'crash',
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::crash',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
      ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
    },
  });
}
if (mode === 'put') {
  const pad = 'x'.repeat(1000);
  for (let i = 0; i < Number(total); i += 100) {
    const batch = Array.from({ length: 100 }, (_, k) => new TextEncoder().encode(JSON.stringify({ id: i + k, pad })));
    const entries = await m.putRecordBatch('crash', batch);
    if (entries.some((e) => e.errorCode)) throw new Error('put refused');
    process.stdout.write('acked ' + (i + 100) + '\\n');
  }
  process.stdout.write('all acked\\n');
  await new Promise(() => {});
} else {
  await m.close();
  await store.close();
  process.stdout.write('closed\\n');
}
`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'eddy-crash-'));
  // The child runs plain node on the sources as the CLI tests compile them (one shared build per version of
  // the sources): compiling the engine here, file by file with TypeScript, took a loaded machine most of
  // the hook's timeout.
  const engine = pathToFileURL(join(buildCli('delivery-crash').main, '..', '..', 'engine')).href;
  await writeFile(join(work, 'child.mjs'), childScript(engine));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function run(args: string[], until: (line: string, state: { acked: number; delivered: number }) => boolean): { child: ChildProcess; done: Promise<{ acked: number; delivered: number; code: number | null }> } {
  const child = spawn(process.execPath, [join(work, 'child.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { acked: 0, delivered: 0 };
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ acked: number; delivered: number; code: number | null }>((resolvePromise, reject) => {
    let rest = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => {
      rest += d.toString();
      const lines = rest.split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('acked ')) state.acked = Number(line.slice(6));
        if (line.startsWith('delivered ')) state.delivered++;
        if (!stopped && until(line, state)) {
          stopped = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code) => (code === 0 || stopped ? resolvePromise({ ...state, code }) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
  return { child, done };
}

describe('crash safety', () => {
  // Two child processes, the first putting 6 MB and delivering 4 objects before it is killed: 18 s of the
  // default 30 s limit on our 2-core machine under load, so the limit leaves a busier machine room.
  it('loses no acknowledged record when killed with SIGKILL during delivery', async () => {
    const data = join(work, 'data');
    // Kill once several objects are durable and puts are still being acknowledged.
    const first = await run([data, 'put', '20000'], (_line, s) => s.delivered >= 4 && s.acked >= 6000).done;
    expect(first.delivered).toBeGreaterThanOrEqual(4);
    const second = await run([data, 'finish', '0'], () => false).done;
    expect(second.code).toBe(0);

    const base = join(data, 'files', 'crash');
    const files = (await readdir(base, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    const counts = new Map<number, number>();
    for (const f of files) {
      expect(f.name.startsWith('.tmp-')).toBe(false);
      const text = await readFile(join(f.parentPath, f.name), 'utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        const id = (JSON.parse(line) as { id: number }).id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    for (let id = 0; id < first.acked; id++) expect(counts.get(id), `record ${id}`).toBeGreaterThanOrEqual(1);
    const duplicates = [...counts.values()].filter((c) => c > 1).length;
    // Only the interrupted buffer may be written twice: at most 1 MiB of records of at least 1017 bytes.
    expect(duplicates).toBeLessThanOrEqual(Math.floor((1024 * 1024) / 1017));
  }, 90_000);
});
