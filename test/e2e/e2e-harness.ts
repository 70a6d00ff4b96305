// End-to-end plumbing: Eddy on a real port (engine on a data directory, Kinesis + SQL APIs), the real
// Kinesis SDK, HTTP calls with fetch, and DuckDB as the batch oracle for windowed results.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { expect } from 'vitest';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';
import { buildServer, IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { firehoseService } from '../../src/server/firehose-api/firehose-service.js';
import { sqlApi } from '../../src/server/http/sql-api.js';
import type { FastifyInstance } from 'fastify';

export const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

export interface Eddy {
  readonly engine: Engine;
  readonly app: FastifyInstance;
  readonly endpoint: string;
  readonly kinesis: KinesisClient;
  sql(text: string): Promise<any[]>;
  http(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'eddy-e2e-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function startEddy(options: EngineOptions): Promise<Eddy> {
  const engine = await createEngine({ shardLimits: false, fsync: 'never', ...options, queries: { idleTimeoutMs: 600_000, ...options.queries } });
  const delivery = engine.delivery;
  const app = buildServer({
    streamTransitions: IMMEDIATE_STREAM_TRANSITIONS,
    store: engine.store,
    logger: false,
    services: delivery ? [firehoseService({ delivery })] : [],
    plugins: [sqlApi({ engine })],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const http = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${endpoint}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  return {
    engine,
    app,
    endpoint,
    kinesis,
    http,
    async sql(text) {
      const res = await http('POST', '/v1/sql', { sql: text });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      return res.json.results;
    },
    async close() {
      kinesis.destroy();
      await app.close();
      await engine.close();
    },
  };
}

/** Puts records through the SDK in batches; returns the shard each landed on, in order. */
export async function putAll(kinesis: KinesisClient, stream: string, records: readonly { key: string; data: unknown; hashKey?: string }[]): Promise<string[]> {
  const shards: string[] = [];
  for (let i = 0; i < records.length; i += 100) {
    const batch = records.slice(i, i + 100);
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: batch.map((r) => ({
          PartitionKey: r.key,
          Data: Buffer.from(JSON.stringify(r.data)),
          ...(r.hashKey === undefined ? {} : { ExplicitHashKey: r.hashKey }),
        })),
      }),
    );
    expect(out.FailedRecordCount).toBe(0);
    for (const r of out.Records ?? []) shards.push(r.ShardId!);
  }
  return shards;
}

/** The first and last hash keys: an explicit hash key for each end of a two-shard stream. */
export const FIRST_SHARD_KEY = '0';
export const LAST_SHARD_KEY = '340282366920938463463374607431768211455';

export class Oracle {
  private constructor(private readonly conn: DuckDBConnection) {}

  static async open(): Promise<Oracle> {
    const db = await DuckDBInstance.create(':memory:');
    return new Oracle(await db.connect());
  }

  async load(table: string, columns: Record<string, 'BIGINT' | 'VARCHAR' | 'DOUBLE' | 'INTEGER'>, rows: readonly Record<string, unknown>[]): Promise<void> {
    const names = Object.keys(columns);
    await this.conn.run(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (${names.map((n) => `${n} ${columns[n]}`).join(', ')})`);
    const app = await this.conn.createAppender(table);
    for (const row of rows) {
      for (const n of names) {
        const v = row[n];
        if (v === null || v === undefined) app.appendNull();
        else if (columns[n] === 'BIGINT') app.appendBigInt(BigInt(v as number));
        else if (columns[n] === 'VARCHAR') app.appendVarchar(v as string);
        else if (columns[n] === 'DOUBLE') app.appendDouble(v as number);
        else app.appendInteger(v as number);
      }
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }

  /** Runs a query; BIGINTs become numbers, columns named *_ms become ISO-8601 timestamps without the suffix. */
  async rows(sql: string): Promise<Record<string, unknown>[]> {
    const result = await this.conn.runAndReadAll(sql);
    return result.getRowObjectsJS().map((r) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) {
        const value = typeof v === 'bigint' ? Number(v) : v;
        if (k.endsWith('_ms')) out[k.slice(0, -3)] = value === null ? null : new Date(value as number).toISOString();
        else out[k] = value;
      }
      return out;
    });
  }

  close(): void {
    this.conn.closeSync();
  }
}

/**
 * Every expected row appears exactly once among the actual ones, and nothing else: rows matched on
 * `keys`, numbers compared to 1e-9 relative (sums of doubles depend on the order of addition).
 */
export function expectSameRows(actual: readonly Record<string, unknown>[], expected: readonly Record<string, unknown>[], keys: readonly string[]): void {
  const keyOf = (r: Record<string, unknown>) => JSON.stringify(keys.map((k) => r[k]));
  const sort = (rows: readonly Record<string, unknown>[]) => [...rows].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const a = sort(actual);
  const e = sort(expected);
  expect(a.map(keyOf)).toEqual(e.map(keyOf));
  a.forEach((row, i) => {
    const want = e[i]!;
    expect(Object.keys(row).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) {
      const got = row[k];
      if (typeof v === 'number' && typeof got === 'number') {
        expect(Math.abs(got - v), `${keyOf(row)} ${k}: ${got} vs ${v}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
      } else {
        expect(got, `${keyOf(row)} ${k}`).toEqual(v);
      }
    }
  });
}

/** A small deterministic PRNG, so every run puts the same records. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
