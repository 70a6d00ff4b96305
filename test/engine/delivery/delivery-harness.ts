// Shared setup for delivery tests: a real stream store, a delivery manager writing to a temporary
// directory, and helpers that wait for objects to become durable (no sleeps) and read them back.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ManualClock } from '../../../src/engine/clock.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { DeliveryManager, type DeliveryManagerOptions } from '../../../src/engine/delivery/delivery-manager.js';
import type { DeliveryEvent } from '../../../src/engine/delivery/delivery-metrics.js';
import type { ExtendedS3Destination } from '../../../src/engine/delivery/delivery-stream-config.js';

export const START = Date.UTC(2026, 10, 25, 17, 0, 0);

export interface Harness {
  readonly dir: string;
  readonly filesRoot: string;
  readonly clock: ManualClock;
  readonly store: StreamStore;
  manager: DeliveryManager;
  readonly events: DeliveryEvent[];
  /** Resolves once `n` more objects of `kind` have been delivered (counting from the call). */
  waitForObjects(n: number, kind?: 'data' | 'error'): Promise<DeliveryEvent[]>;
  reopen(extra?: Partial<DeliveryManagerOptions>): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(extra: Partial<DeliveryManagerOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-delivery-'));
  const clock = new ManualClock(START);
  const store = await openStreamStore({ clock, shardLimits: false });
  const filesRoot = join(dir, 'files');
  const events: DeliveryEvent[] = [];
  const waiters: { kind: string | undefined; target: number; resolve: (e: DeliveryEvent[]) => void; from: number }[] = [];
  const count = (kind: string | undefined) => events.filter((e) => kind === undefined || e.kind === kind).length;
  const open = async (more: Partial<DeliveryManagerOptions>) => {
    const m = await DeliveryManager.open({ streams: store, dataDir: join(dir, 'data'), filesRoot, clock, retry: { initialDelayMs: 5, maxDelayMs: 20 }, ...extra, ...more });
    m.onDelivery((e) => {
      events.push(e);
      for (const w of [...waiters]) {
        if (count(w.kind) >= w.target) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(events.filter((x) => w.kind === undefined || x.kind === w.kind).slice(w.from));
        }
      }
    });
    return m;
  };
  const h: Harness = {
    dir,
    filesRoot,
    clock,
    store,
    manager: await open({}),
    events,
    waitForObjects(n, kind) {
      const from = count(kind);
      return new Promise((resolve) => waiters.push({ kind, target: from + n, resolve, from }));
    },
    async reopen(more = {}) {
      await h.manager.close();
      h.manager = await open(more);
    },
    async close() {
      await h.manager.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export const destination = (extra: Partial<ExtendedS3Destination> = {}): ExtendedS3Destination => ({
  RoleARN: 'arn:aws:iam::000000000000:role/firehose',
  BucketARN: 'arn:aws:s3:::bucket',
  ...extra,
});

export const newline = { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] };

export function jsonRecords(n: number, from = 0, pad = 0): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ id: from + i, customer_id: (from + i) % 3, name: `n${from + i}`, pad: 'x'.repeat(pad) })));
}

/** Every object key under a bucket, relative to it, sorted; temporary files are never listed. */
export async function listObjects(root: string, bucket = 'bucket'): Promise<string[]> {
  const base = join(root, bucket);
  try {
    const entries = await readdir(base, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => relative(base, join(e.parentPath, e.name))).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export const readObject = (root: string, key: string, bucket = 'bucket') => readFile(join(root, bucket, key));

let duck: Promise<DuckDBInstance> | undefined;

/** Runs SQL in DuckDB (an independent reader of the delivered files) and returns plain row objects. */
export async function duckdb(sql: string): Promise<Record<string, unknown>[]> {
  duck ??= DuckDBInstance.create(':memory:');
  const conn = await (await duck).connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
  }
}
