// A query with large state checkpoints what changed since its last checkpoint, writes a full snapshot
// again only once the changes add up to more than the state, and resumes after a restart from its base
// and every delta after it. Each operator's state carries the version of its form, and a checkpoint
// holding another version is refused rather than misread.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamRecord, StreamStore } from '../../../src/engine/stream/stream-store.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import { Pipeline } from '../../../src/engine/query/pipeline.js';
import { Catalog, QUERY_CHECKPOINTS_DIR } from '../../../src/engine/catalog/catalog.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
];
const countByUser: QueryPlan = {
  root: {
    kind: 'groupAggregate',
    input: { kind: 'source', stream: 'clicks', format: { kind: 'json' }, columns, eventTime: { column: 1, watermarkDelayMs: 0 } },
    keys: [{ name: 'user_id', expr: { kind: 'column', index: 0, name: 'user_id', type: 'VARCHAR' } }],
    aggregates: [{ fn: 'count_star', name: 'n', type: 'BIGINT' }],
  },
  sink: { kind: 'subscribers' },
  columns: [
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'n', type: 'BIGINT' },
  ],
};

const enc = new TextEncoder();
const click = (user: string) => enc.encode(JSON.stringify({ user_id: user, ts: '2024-06-01T10:00:00Z' }));
const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('checkpoints of a GROUP BY', () => {
  it('hold only changed groups until the changes outgrow the state, then a full snapshot again', () => {
    const pipeline = new Pipeline(countByUser);
    let seq = 0;
    const ingest = (names: string[]) =>
      pipeline.ingest(
        names.map((u): StreamRecord => ({ sequenceNumber: String(++seq), arrivalTimestamp: 0, partitionKey: u, data: click(u) })),
        'shardId-000000000000',
      );
    const kinds: string[] = [];
    const take = () => {
      const state = pipeline.checkpointState();
      kinds.push('operators' in state ? 'full' : `changes of ${(state.changes[0]?.state as { accs: unknown[] } | undefined)?.accs.length ?? 0}`);
    };
    ingest(users(0, 100));
    take();
    ingest(users(0, 30));
    take();
    take();
    ingest(users(30, 60));
    take();
    // 30 + 0 + 30 entries in changes so far; 45 more would pass the 100 groups the state holds.
    ingest(users(60, 105));
    take();
    ingest(users(0, 1));
    take();
    expect(kinds).toEqual(['full', 'changes of 30', 'changes of 0', 'changes of 30', 'full', 'changes of 1']);
  });

  it('resume after a restart from the base and every delta written after it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'eddy-incremental-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const open = async () => {
      const store = await openStreamStore({ dataDir, shardLimits: false });
      if (store.listStreams().length === 0) await store.createStream('clicks', { shardCount: 1 });
      const catalog = await Catalog.open(dataDir);
      const manager = new QueryManager({ store, catalog, checkpointIntervalMs: 0 });
      const close = async () => {
        await manager.close();
        await store.close();
      };
      cleanup.push(close);
      return { store, catalog, manager, close };
    };
    const put = (store: StreamStore, names: string[]) => store.putRecords('clicks', names.map((u) => ({ partitionKey: u, data: click(u) })));

    const first = await open();
    const q = await first.manager.startQuery(countByUser, { sql: 'SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id' });
    await put(first.store, users(0, 200));
    await expect.poll(() => first.manager.queryStatus(q.id).inputRecords).toBe(200);
    await first.catalog.flush();
    await put(first.store, ['u1', 'u2', 'u3']);
    await expect.poll(() => first.manager.queryStatus(q.id).inputRecords).toBe(203);
    await first.close();
    cleanup = cleanup.filter((c) => c !== first.close);

    const dir = join(dataDir, QUERY_CHECKPOINTS_DIR);
    const names = (await readdir(dir)).sort();
    const deltas = names.filter((n) => n.includes('.delta-'));
    expect(names).toContain(`${q.id}.json`);
    expect(deltas.length).toBeGreaterThan(0);
    // Between them, the deltas hold the three groups that changed after the base, and no other.
    const changedKeys = new Set<string>();
    for (const name of deltas) {
      const file = JSON.parse(await readFile(join(dir, name), 'utf8'));
      for (const c of file.checkpoint.changes) for (const op of c) if (op) for (const k of op.state.keys) changedKeys.add(k);
    }
    expect([...changedKeys].sort()).toEqual(['u1', 'u2', 'u3']);

    const second = await open();
    await second.manager.resumeQueries();
    const rows: Row[] = [];
    const seen = new Promise<void>((resolve) =>
      second.manager.subscribe(q.id, {
        onRows: (r) => {
          rows.push(...r);
          if (rows.length >= 4) resolve();
        },
      }),
    );
    await put(second.store, ['u1', 'u150']);
    await seen;
    expect(rows).toEqual([
      { _op: '-U', user_id: 'u1', n: 2 },
      { _op: '+U', user_id: 'u1', n: 3 },
      { _op: '-U', user_id: 'u150', n: 1 },
      { _op: '+U', user_id: 'u150', n: 2 },
    ]);
  });
});

describe('operator snapshots', () => {
  it('carry the version of their form', () => {
    const pipeline = new Pipeline(countByUser);
    pipeline.ingest([{ sequenceNumber: '1', arrivalTimestamp: 0, partitionKey: 'u1', data: click('u1') }], 'shardId-000000000000');
    const [snapshot] = pipeline.snapshot();
    expect(snapshot).toMatchObject({ version: 1, state: { width: 1, keys: ['u1'] } });
    const again = new Pipeline(countByUser);
    again.restore([snapshot!]);
    expect(again.snapshot()).toEqual([snapshot]);
  });

  it('of another version are refused on restore, naming the operator, both versions and what to do', () => {
    const pipeline = new Pipeline(countByUser);
    const attempt = () => pipeline.restore([{ version: 2, state: { width: 1, keys: ['u1'], accs: [[1]] } }]);
    expect(attempt).toThrow(/state of the groupAggregate operator in form 2, which this version of Eddy does not read \(it reads form 1\).*delete the query's checkpoint files/);
    expect(() => pipeline.restoreChanges([{ version: 0, state: {} }])).toThrow(/in form 0/);
  });

  it('of another version leave the query failed at start-up, with the reason, until it is deleted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'eddy-snapshot-version-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const store = await openStreamStore({ dataDir, shardLimits: false });
    await store.createStream('clicks', { shardCount: 1 });
    const catalog = await Catalog.open(dataDir);
    await catalog.putQuery({ id: 'q1', name: 'q1', sql: 'SELECT …', plan: countByUser, createdAt: 1 });
    await catalog.saveCheckpoint('q1', { shards: {}, operators: [{ version: 9, state: { width: 1, keys: [], accs: [] } }] });
    const manager = new QueryManager({ store, catalog });
    cleanup.push(async () => {
      await manager.close();
      await store.close();
    });
    const [resumed] = await manager.resumeQueries();
    expect(resumed).toMatchObject({ id: 'q1', status: 'failed' });
    expect(resumed?.error).toMatch(/^could not resume: the checkpoint holds the state of the groupAggregate operator in form 9/);
  });
});
