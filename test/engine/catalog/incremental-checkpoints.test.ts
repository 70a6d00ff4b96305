// Checkpoint files of a query with large state: a base and the deltas written after it, read back in
// order; a new base retiring the deltas before it; leftovers of a crash ignored; the earlier formats
// still restored and an unknown one refused.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, QUERY_CHECKPOINTS_DIR } from '../../../src/engine/catalog/catalog.js';
import type { QueryCheckpoint } from '../../../src/engine/plan/checkpoint.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';

const plan: QueryPlan = {
  root: { kind: 'source', stream: 'clicks', format: { kind: 'json' }, columns: [{ name: 'ts', type: 'TIMESTAMP' }], eventTime: { column: 0, watermarkDelayMs: 0 } },
  sink: { kind: 'subscribers' },
  columns: [{ name: 'ts', type: 'TIMESTAMP' }],
};

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});
async function catalogWithQuery(): Promise<{ dir: string; catalog: Catalog; files: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-checkpoints-'));
  dirs.push(dir);
  const catalog = await Catalog.open(dir);
  await catalog.putQuery({ id: 'q1', name: 'q1', sql: 'SELECT 1', plan, createdAt: 1 });
  return { dir, catalog, files: async () => (await readdir(join(dir, QUERY_CHECKPOINTS_DIR))).filter((n) => !n.endsWith('.query.json')).sort() };
}

const state = (groups: string[]) => ({ version: 1, state: { groups } });
const full = (after: string, groups: string[]): QueryCheckpoint => ({ shards: { s: { after } }, operators: [state(groups)] });
const delta = (after: string, groups: string[]): QueryCheckpoint => ({ shards: { s: { after } }, changes: [[state(groups)]] });

describe('incremental checkpoints', () => {
  it('write each delta in a file of its own beside the base, and read back as the base with every change in order', async () => {
    const { dir, catalog, files } = await catalogWithQuery();
    await catalog.saveCheckpoint('q1', full('10', ['a', 'b', 'c']));
    await catalog.saveCheckpoint('q1', delta('20', ['b']));
    await catalog.saveCheckpoint('q1', delta('30', ['c']));
    expect(await files()).toEqual(['q1.delta-1-1.json', 'q1.delta-1-2.json', 'q1.json']);
    const expected = { shards: { s: { after: '30' } }, operators: [state(['a', 'b', 'c'])], changes: [[state(['b'])], [state(['c'])]] };
    expect(catalog.query('q1')?.checkpoint).toEqual(expected);
    expect((await Catalog.open(dir)).query('q1')?.checkpoint).toEqual(expected);
    // Compact: one line of JSON, no indentation.
    expect(await readFile(join(dir, QUERY_CHECKPOINTS_DIR, 'q1.delta-1-2.json'), 'utf8')).toBe(
      '{"format":3,"generation":1,"seq":2,"checkpoint":{"shards":{"s":{"after":"30"}},"changes":[[{"version":1,"state":{"groups":["c"]}}]]}}',
    );
  });

  it('start a new generation with each full checkpoint and delete the deltas of the one before', async () => {
    const { dir, catalog, files } = await catalogWithQuery();
    await catalog.saveCheckpoint('q1', full('10', ['a']));
    await catalog.saveCheckpoint('q1', delta('20', ['b']));
    await catalog.saveCheckpoint('q1', full('30', ['a', 'b']));
    expect(await files()).toEqual(['q1.json']);
    await catalog.saveCheckpoint('q1', delta('40', ['c']));
    expect(await files()).toEqual(['q1.delta-2-1.json', 'q1.json']);
    expect((await Catalog.open(dir)).query('q1')?.checkpoint).toEqual({ shards: { s: { after: '40' } }, operators: [state(['a', 'b'])], changes: [[state(['c'])]] });
  });

  it('ignore and delete, on opening, deltas of an older generation that a crash left behind, and deltas after a gap', async () => {
    const { dir, catalog, files } = await catalogWithQuery();
    await catalog.saveCheckpoint('q1', full('10', ['a']));
    await catalog.saveCheckpoint('q1', full('20', ['a', 'b']));
    const queries = join(dir, QUERY_CHECKPOINTS_DIR);
    await writeFile(join(queries, 'q1.delta-1-1.json'), '{"format":2,"generation":1,"seq":1,"checkpoint":{"shards":{},"changes":[["stale"]]}}');
    await writeFile(join(queries, 'q1.delta-2-2.json'), '{"format":2,"generation":2,"seq":2,"checkpoint":{"shards":{},"changes":[["after a gap"]]}}');
    const reopened = await Catalog.open(dir);
    expect(reopened.query('q1')?.checkpoint).toEqual(full('20', ['a', 'b']));
    expect(await files()).toEqual(['q1.json']);
  });

  it('do not write a delta that changes nothing since the one before', async () => {
    const { catalog, files } = await catalogWithQuery();
    await catalog.saveCheckpoint('q1', full('10', ['a']));
    const idle: QueryCheckpoint = { shards: { s: { after: '10' } }, changes: [[null]] };
    await catalog.saveCheckpoint('q1', idle);
    const written = catalog.checkpointBytesWritten;
    await catalog.saveCheckpoint('q1', idle);
    await catalog.saveCheckpoint('q1', idle);
    expect(catalog.checkpointBytesWritten).toBe(written);
    expect(await files()).toEqual(['q1.delta-1-1.json', 'q1.json']);
  });

  it('remove every file of a query with it', async () => {
    const { catalog, files } = await catalogWithQuery();
    await catalog.saveCheckpoint('q1', full('10', ['a']));
    await catalog.saveCheckpoint('q1', delta('20', ['b']));
    await catalog.removeQuery('q1');
    expect(await files()).toEqual([]);
  });

  it('restore a checkpoint file of the earlier, unversioned format, its operator states as version 1, and replace it with the current one', async () => {
    const { dir, files } = await catalogWithQuery();
    const groups = [{ key: ['a'], acc: [1] }];
    await writeFile(join(dir, QUERY_CHECKPOINTS_DIR, 'q1.json'), JSON.stringify({ shards: { s: { after: '5' } }, operators: [{ groups }, null] }, null, 1));
    const reopened = await Catalog.open(dir);
    expect(reopened.query('q1')?.checkpoint).toEqual({ shards: { s: { after: '5' } }, operators: [{ version: 1, state: { groups } }, null] });
    await reopened.saveCheckpoint('q1', full('6', ['a']));
    expect(JSON.parse(await readFile(join(dir, QUERY_CHECKPOINTS_DIR, 'q1.json'), 'utf8'))).toMatchObject({ format: 3, generation: 1 });
    expect(await files()).toEqual(['q1.json']);
  });

  it('restore format 2, whose operator states carry no version, reading them as version 1', async () => {
    const { dir } = await catalogWithQuery();
    const queries = join(dir, QUERY_CHECKPOINTS_DIR);
    await writeFile(join(queries, 'q1.json'), '{"format":2,"generation":1,"checkpoint":{"shards":{"s":{"after":"10"}},"operators":[null,{"groups":["a"]}]}}');
    await writeFile(join(queries, 'q1.delta-1-1.json'), '{"format":2,"generation":1,"seq":1,"checkpoint":{"shards":{"s":{"after":"20"}},"changes":[[null,{"groups":["b"]}]]}}');
    expect((await Catalog.open(dir)).query('q1')?.checkpoint).toEqual({
      shards: { s: { after: '20' } },
      operators: [null, state(['a'])],
      changes: [[null, state(['b'])]],
    });
  });

  it('refuse to open a checkpoint of a format this version does not read, naming the file and what to do', async () => {
    const { dir } = await catalogWithQuery();
    await writeFile(join(dir, QUERY_CHECKPOINTS_DIR, 'q1.json'), '{"format":4,"generation":1,"checkpoint":{}}');
    await expect(Catalog.open(dir)).rejects.toThrow(/q1\.json has format 4, which this version of Eddy does not read .*delete the query's checkpoint files/);
  });
});
