// Two Eddy processes (two engines) on a NATS JetStream cluster asked at the same moment to map the same
// function to the same stream: as Lambda, only one mapping of a function per event source may exist, so
// exactly one create succeeds and the other is refused with ResourceConflictException naming the mapping
// that won, whichever process each request went through. Once that mapping is deleted, or moved to
// another function, the pair can be mapped again through either process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, isEddyError, parseCreateRequest, parseUpdateRequest, type Engine, type MappingView } from '../../../src/engine/index.js';
import { startNatsCluster, type NatsCluster } from '../../../scripts/nats-cluster.mjs';

const ROUNDS = 8;
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';

let cluster: NatsCluster;
let functionsDir: string;
let a: Engine;
let b: Engine;

beforeAll(async () => {
  functionsDir = mkdtempSync(join(tmpdir(), 'eddy-racing-mappings-'));
  for (let i = 0; i < ROUNDS; i++) writeFileSync(join(functionsDir, `f${i}.mjs`), 'export const handler = async () => {};\n');
  writeFileSync(join(functionsDir, 'other.mjs'), 'export const handler = async () => {};\n');
  cluster = await startNatsCluster();
  const servers = cluster.urls.split(',');
  const start = (process: string): Promise<Engine> =>
    createEngine({ nats: { servers }, shardLimits: false, functions: { functionsDir }, cluster: { process, leaseRenewMs: 500, leaseTimeoutMs: 3_000 } });
  [a, b] = await Promise.all([start('a'), start('b')]);
  // Through a; b knows it as soon as a create names it.
  await a.store.createStream('clicks', { shardCount: 1 });
}, 90_000);

afterAll(async () => {
  await a?.close().catch(() => undefined);
  await b?.close().catch(() => undefined);
  await cluster?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

const create = (engine: Engine, functionName: string): Promise<MappingView> =>
  engine.functions.create(parseCreateRequest({ FunctionName: functionName, EventSourceArn: STREAM_ARN, StartingPosition: 'TRIM_HORIZON' }));

/** Either the mapping created, or the code and message of the refusal. */
async function outcome(attempt: Promise<MappingView>): Promise<{ created: MappingView } | { refused: { code: string; message: string } }> {
  try {
    return { created: await attempt };
  } catch (e) {
    if (!isEddyError(e)) throw e;
    return { refused: { code: e.code, message: e.message } };
  }
}

describe('two processes creating the same event source mapping at once', () => {
  it('create one mapping; the other create is refused with ResourceConflictException naming it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const fn = `f${round}`;
      const results = await Promise.all([outcome(create(a, fn)), outcome(create(b, fn))]);
      const created = results.flatMap((r) => ('created' in r ? [r.created] : []));
      const refused = results.flatMap((r) => ('refused' in r ? [r.refused] : []));
      expect(created, `round ${round}`).toHaveLength(1);
      expect(refused, `round ${round}`).toEqual([
        {
          code: 'ResourceConflictException',
          message: `The event source arn (" ${STREAM_ARN} ") and function (" ${fn} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${created[0]!.uuid}`,
        },
      ]);
      // Both processes list the one mapping.
      for (const engine of [a, b]) {
        await vi.waitFor(() => expect(engine.functions.list({ functionName: fn }).map((m) => m.uuid)).toEqual([created[0]!.uuid]), { timeout: 30_000 });
      }
    }
  }, 120_000);

  it('can map the pair again once its mapping is deleted, or moved to another function', async () => {
    const first = await create(a, 'f0').catch(() => undefined);
    const existing = first ?? a.functions.list({ functionName: 'f0' })[0]!;
    await a.functions.delete(existing.uuid);
    await vi.waitFor(() => expect(b.functions.list({ functionName: 'f0' })).toEqual([]), { timeout: 30_000 });
    const again = await create(b, 'f0');
    // Moved to another function: the old pair is free, the new one taken.
    await b.functions.update(again.uuid, parseUpdateRequest({ FunctionName: 'other' }));
    await vi.waitFor(() => expect(a.functions.list({ functionName: 'other' }).map((m) => m.uuid)).toEqual([again.uuid]), { timeout: 30_000 });
    await expect(create(a, 'other')).rejects.toMatchObject({ code: 'ResourceConflictException' });
    const third = await create(a, 'f0');
    expect(third.uuid).not.toBe(again.uuid);
    // And a move onto a pair another mapping holds is refused, leaving the mapping as it was.
    await expect(a.functions.update(third.uuid, parseUpdateRequest({ FunctionName: 'other' }))).rejects.toMatchObject({ code: 'ResourceConflictException' });
    expect(a.functions.get(third.uuid).functionName).toBe('f0');
  }, 60_000);
});
