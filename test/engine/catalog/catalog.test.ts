import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, CATALOG_FILE, QUERY_CHECKPOINTS_DIR } from '../../../src/engine/catalog/catalog.js';
import type { QueryCheckpoint } from '../../../src/engine/plan/checkpoint.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';
import type { StreamSchema } from '../../../src/engine/plan/schema.js';

const clicks: StreamSchema = {
  name: 'clicks',
  columns: [
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'ts', type: 'TIMESTAMP' },
  ],
  format: { kind: 'json', mappings: { user_id: ['user', 'id'] } },
  watermark: { column: 'ts', delayMs: 5000 },
};
const plan: QueryPlan = {
  root: { kind: 'source', stream: 'clicks', format: clicks.format, columns: clicks.columns, eventTime: { column: 1, watermarkDelayMs: 5000 } },
  sink: { kind: 'subscribers' },
  columns: clicks.columns,
};

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'eddy-catalog-'));
  dirs.push(d);
  return d;
}

describe('Catalog', () => {
  it('persists stream schemas and queries with their checkpoints across reopening', async () => {
    const dir = await tempDir();
    const a = await Catalog.open(dir);
    await a.putStream(clicks);
    await a.putQuery({ id: 'q1', name: 'first', sql: 'SELECT * FROM clicks', plan, createdAt: 1 });
    await a.saveCheckpoint('q1', { shards: { 'shardId-000000000000': { after: '4960' } } });
    const b = await Catalog.open(dir);
    expect(b.stream('clicks')).toEqual(clicks);
    expect(b.streamNames()).toEqual(['clicks']);
    expect(b.queries()).toEqual([{ id: 'q1', name: 'first', sql: 'SELECT * FROM clicks', plan, createdAt: 1, checkpoint: { shards: { 'shardId-000000000000': { after: '4960' } } } }]);
    await b.dropStream('clicks');
    await b.removeQuery('q1');
    const c = await Catalog.open(dir);
    expect(c.streamNames()).toEqual([]);
    expect(c.queries()).toEqual([]);
  });

  it('replaces its file atomically, leaving no temporary file behind', async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => cat.putStream({ ...clicks, name: `s${i}` })));
    expect((await readdir(dir)).sort()).toEqual([CATALOG_FILE, QUERY_CHECKPOINTS_DIR]);
    const file = JSON.parse(await readFile(join(dir, CATALOG_FILE), 'utf8'));
    expect(file.streams).toHaveLength(20);
  });

  it("keeps each query's checkpoint in its own file, so a checkpoint rewrites neither catalog.json nor other queries", async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    await cat.putStream(clicks);
    await cat.putQuery({ id: 'q1', name: 'first', sql: 'SELECT 1', plan, createdAt: 1 });
    await cat.putQuery({ id: 'q2', name: 'second', sql: 'SELECT 2', plan, createdAt: 2 });
    await cat.saveCheckpoint('q2', { shards: { s: { after: '1' } } });
    const catalogText = await readFile(join(dir, CATALOG_FILE), 'utf8');
    const q2File = join(dir, QUERY_CHECKPOINTS_DIR, 'q2.json');
    // An atomic replacement is a new file: an unchanged inode means the file was not rewritten.
    const inodes = async () => [(await stat(join(dir, CATALOG_FILE))).ino, (await stat(q2File)).ino];
    const before = await inodes();
    const big: QueryCheckpoint = { shards: { s: { after: '2' } }, operators: [{ version: 1, state: { groups: Array.from({ length: 1000 }, (_, i) => ({ key: [`k${i}`], acc: [i] })) } }] };
    await cat.saveCheckpoint('q1', big);
    expect(await inodes()).toEqual(before);
    expect(catalogText).not.toContain('checkpoint');
    expect(JSON.parse(await readFile(join(dir, QUERY_CHECKPOINTS_DIR, 'q1.json'), 'utf8'))).toEqual({ format: 3, generation: 1, checkpoint: big });
    expect((await readdir(join(dir, QUERY_CHECKPOINTS_DIR))).sort()).toEqual(['q1.json', 'q1.query.json', 'q2.json', 'q2.query.json']);
    const again = await Catalog.open(dir);
    expect(again.query('q1')?.checkpoint).toEqual(big);
    expect(again.query('q2')?.checkpoint).toEqual({ shards: { s: { after: '1' } } });
  });

  it('writes a checkpoint as it was when saved, and the latest of a burst last', async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    await cat.putQuery({ id: 'q1', name: 'first', sql: 'SELECT 1', plan, createdAt: 1 });
    const shards: Record<string, { after: string }> = { s: { after: '1' } };
    const first = cat.saveCheckpoint('q1', { shards });
    // The caller's state moves on while the write is under way.
    shards.s = { after: '999' };
    await first;
    expect((await Catalog.open(dir)).query('q1')?.checkpoint).toEqual({ shards: { s: { after: '1' } } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => cat.saveCheckpoint('q1', { shards: { s: { after: String(i) } } })));
    expect((await Catalog.open(dir)).query('q1')?.checkpoint).toEqual({ shards: { s: { after: '19' } } });
    expect((await readdir(join(dir, QUERY_CHECKPOINTS_DIR))).sort()).toEqual(['q1.json', 'q1.query.json']);
  });

  it("removes a query's checkpoint file with the query, and on opening one left behind by a removal cut short", async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    await cat.putQuery({ id: 'a/../b', name: 'odd', sql: 'SELECT 1', plan, createdAt: 1 });
    await cat.putQuery({ id: 'q2', name: 'second', sql: 'SELECT 2', plan, createdAt: 2 });
    const saving = cat.saveCheckpoint('a/../b', { shards: { s: { after: '1' } } });
    await cat.removeQuery('a/../b');
    await saving;
    expect(await readdir(join(dir, QUERY_CHECKPOINTS_DIR))).toEqual(['q2.query.json']);
    await cat.saveCheckpoint('q2', { shards: { s: { after: '5' } } });
    // As if the process died after q2's definition went but before its checkpoint file did.
    await rm(join(dir, QUERY_CHECKPOINTS_DIR, 'q2.query.json'));
    await writeFile(join(dir, QUERY_CHECKPOINTS_DIR, 'q3.json.tmp'), '{');
    const reopened = await Catalog.open(dir);
    expect(reopened.queries()).toEqual([]);
    expect(await readdir(join(dir, QUERY_CHECKPOINTS_DIR))).toEqual([]);
  });

  it('names query files with every character outside [A-Za-z0-9_-] percent-encoded, dots too, so no id names another file', async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    for (const id of ['daily.totals', '..', 'a/b']) await cat.putQuery({ id, name: id, sql: 'SELECT 1', plan, createdAt: 1 });
    await cat.saveCheckpoint('..', { shards: { s: { after: '9' } } });
    expect((await readdir(join(dir, QUERY_CHECKPOINTS_DIR))).sort()).toEqual(['%2E%2E.json', '%2E%2E.query.json', 'a%2Fb.query.json', 'daily%2Etotals.query.json']);
    const reopened = await Catalog.open(dir);
    expect(reopened.queries().map((q) => q.id).sort()).toEqual(['..', 'a/b', 'daily.totals']);
    expect(reopened.query('..')?.checkpoint).toEqual({ shards: { s: { after: '9' } } });
  });

  it('refuses a query id too long to name its checkpoint file, before storing anything', async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    await expect(cat.putQuery({ id: 'q'.repeat(300), name: 'long', sql: 'SELECT 1', plan, createdAt: 1 })).rejects.toThrow(/too long to store/);
    expect(cat.queries()).toEqual([]);
  });

  it('refuses to open with a corrupt checkpoint file, naming it', async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    await cat.putQuery({ id: 'q1', name: 'first', sql: 'SELECT 1', plan, createdAt: 1 });
    await mkdir(join(dir, QUERY_CHECKPOINTS_DIR), { recursive: true });
    await writeFile(join(dir, QUERY_CHECKPOINTS_DIR, 'q1.json'), '{"shards":');
    await expect(Catalog.open(dir)).rejects.toThrow(/q1\.json is not valid JSON/);
  });

  it('keeps each query definition in a file of its own, so starting a query rewrites neither catalog.json nor other queries', async () => {
    const dir = await tempDir();
    const cat = await Catalog.open(dir);
    await cat.putStream(clicks);
    await cat.putQuery({ id: 'q1', name: 'first', sql: 'SELECT 1', plan, createdAt: 1 });
    const inodes = async () => [(await stat(join(dir, CATALOG_FILE))).ino, (await stat(join(dir, QUERY_CHECKPOINTS_DIR, 'q1.query.json'))).ino];
    const before = await inodes();
    await cat.putQuery({ id: 'q2', name: 'second', sql: 'SELECT 2', plan, createdAt: 2 });
    await cat.removeQuery('q2');
    expect(await inodes()).toEqual(before);
    expect(JSON.parse(await readFile(join(dir, CATALOG_FILE), 'utf8'))).toEqual({ version: 2, streams: [clicks] });
    expect((await Catalog.open(dir)).queries().map((q) => q.id)).toEqual(['q1']);
  });

  it('moves the query definitions of a version 1 catalog file into files of their own', async () => {
    const dir = await tempDir();
    const definitions = [
      { id: 'q2', name: 'second', sql: 'SELECT 2', plan, createdAt: 2 },
      { id: 'q1', name: 'first', sql: 'SELECT 1', plan, createdAt: 1 },
    ];
    await writeFile(join(dir, CATALOG_FILE), JSON.stringify({ version: 1, streams: [clicks], queries: definitions }, null, 1));
    const cat = await Catalog.open(dir);
    expect(cat.queries()).toEqual([definitions[1], definitions[0]]);
    expect(JSON.parse(await readFile(join(dir, CATALOG_FILE), 'utf8'))).toEqual({ version: 2, streams: [clicks] });
    expect((await readdir(join(dir, QUERY_CHECKPOINTS_DIR))).sort()).toEqual(['q1.query.json', 'q2.query.json']);
    expect((await Catalog.open(dir)).queries()).toEqual([definitions[1], definitions[0]]);
  });

  it('refuses to open (and so to overwrite) a corrupt catalog file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, CATALOG_FILE), '{"version":1,"streams":[');
    await expect(Catalog.open(dir)).rejects.toThrow(/not valid JSON.*refusing to overwrite/);
  });

  it('lives in memory without a data directory', async () => {
    const cat = await Catalog.open();
    await cat.putStream(clicks);
    expect(cat.stream('clicks')).toEqual(clicks);
    expect(cat.stream('nope')).toBeUndefined();
  });
});
