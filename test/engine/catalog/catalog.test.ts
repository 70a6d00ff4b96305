import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, CATALOG_FILE } from '../../../src/engine/catalog/catalog.js';
import type { QueryPlan, StreamSchema } from '../../../src/engine/query/plan.js';

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
    expect(await readdir(dir)).toEqual([CATALOG_FILE]);
    const file = JSON.parse(await readFile(join(dir, CATALOG_FILE), 'utf8'));
    expect(file.streams).toHaveLength(20);
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
