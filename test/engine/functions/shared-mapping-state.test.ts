// The claims that keep one event source mapping per function and stream on a cluster, on a bucket held in
// memory: a claim is refused while its mapping exists (or its create may still be under way), and taken
// over once it is left over (its mapping deleted, moved to another function, or never written).
import { describe, expect, it } from 'vitest';
import { MAPPING_DEFAULTS, type EventSourceMapping } from '../../../src/engine/functions/event-source-mapping.js';
import { SharedMappingState } from '../../../src/engine/functions/shared-mapping-state.js';
import { MemoryKv } from '../../support/memory-kv.js';

const T0 = Date.UTC(2026, 0, 1);

function mapping(uuid: string, functionName: string): EventSourceMapping {
  return { ...MAPPING_DEFAULTS, uuid, functionName, streamName: 'clicks', eventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', startingPosition: 'TRIM_HORIZON', createdAt: T0, lastModified: T0 };
}

describe('claims on a function and stream pair', () => {
  it('go to the first create; a later one is told which mapping holds the pair', async () => {
    const state = new SharedMappingState(new MemoryKv());
    expect(await state.claimPair('f', 'clicks', 'one', T0)).toBeUndefined();
    expect(await state.claimPair('f', 'clicks', 'two', T0)).toBe('one');
    expect(await state.claimPair('f', 'clicks', 'one', T0)).toBeUndefined();
    // Another function, or another stream, is another pair.
    expect(await state.claimPair('g', 'clicks', 'two', T0)).toBeUndefined();
    expect(await state.claimPair('f', 'views', 'two', T0)).toBeUndefined();
  });

  it('hold for as long as their mapping exists, and are taken over once it is deleted', async () => {
    const state = new SharedMappingState(new MemoryKv());
    await state.claimPair('f', 'clicks', 'one', T0);
    await state.save(mapping('one', 'f'));
    expect(await state.claimPair('f', 'clicks', 'two', T0 + 3_600_000)).toBe('one');
    await state.remove('one');
    expect(await state.claimPair('f', 'clicks', 'two', T0 + 1)).toBeUndefined();
  });

  it('left by a create that never wrote its mapping are refused for a minute, then taken over', async () => {
    const state = new SharedMappingState(new MemoryKv());
    await state.claimPair('f', 'clicks', 'lost', T0);
    expect(await state.claimPair('f', 'clicks', 'two', T0 + 59_999)).toBe('lost');
    expect(await state.claimPair('f', 'clicks', 'two', T0 + 60_000)).toBeUndefined();
    expect(await state.claimPair('f', 'clicks', 'three', T0 + 60_001)).toBe('two');
  });

  it('whose mapping now names another function are taken over', async () => {
    const state = new SharedMappingState(new MemoryKv());
    await state.claimPair('f', 'clicks', 'one', T0);
    // Moved to g by a process that stopped before it released f's claim.
    await state.save(mapping('one', 'g'));
    expect(await state.claimPair('f', 'clicks', 'two', T0)).toBeUndefined();
  });

  it('are released only by the mapping holding them', async () => {
    const state = new SharedMappingState(new MemoryKv());
    await state.claimPair('f', 'clicks', 'one', T0);
    await state.releasePair('f', 'clicks', 'two');
    expect(await state.claimPair('f', 'clicks', 'two', T0)).toBe('one');
    await state.releasePair('f', 'clicks', 'one');
    expect(await state.claimPair('f', 'clicks', 'two', T0)).toBeUndefined();
  });
});

describe('window states of a mapping on a cluster', () => {
  /** A state of about `bytes` bytes of JSON. */
  const stateOf = (tag: string, bytes: number): Record<string, unknown> => ({ tag, pad: 'x'.repeat(bytes) });
  const windowsOf = (tag: string, bytes: number, shards = 3) =>
    Object.fromEntries(Array.from({ length: shards }, (_, i) => [`shardId-00000000000${i}`, { start: T0, state: stateOf(`${tag}${i}`, bytes) }]));
  const shards = { 'shardId-000000000000': { start: 'TRIM_HORIZON' as const } };

  it('may together, and each alone, take more than one value of the bucket holds, and are read back whole by the next holder', async () => {
    const kv = new MemoryKv(1024);
    const state = new SharedMappingState(kv);
    await state.save(mapping('m', 'f'));
    const a = state.positionsFor('m', 'a');
    expect(await a.load()).toBeUndefined();
    const windows = windowsOf('s', 3_000);
    await a.save({ shards, windows });
    expect(await state.positionsFor('m', 'b').load()).toEqual({ shards, windows });
  });

  it('a former holder writes after it was taken over leave the states its successor read in place', async () => {
    const kv = new MemoryKv(1024);
    const state = new SharedMappingState(kv);
    await state.save(mapping('m', 'f'));
    const a = state.positionsFor('m', 'a');
    await a.load();
    await a.save({ shards, windows: windowsOf('first', 2_000) });
    expect((await state.positionsFor('m', 'b').load())?.windows).toEqual(windowsOf('first', 2_000));
    // a, still running unaware, saves twice more: both refused, a stops.
    await expect(a.save({ shards, windows: windowsOf('second', 2_500) })).rejects.toMatchObject({ code: 'ResourceInUseException' });
    expect(a.superseded).toBe(true);
    expect((await state.positionsFor('m', 'c').load())?.windows).toEqual(windowsOf('first', 2_000));
  });

  it('are written again only when they change, and leave no keys behind that no checkpoint names', async () => {
    const kv = new MemoryKv(1024);
    const state = new SharedMappingState(kv);
    await state.save(mapping('m', 'f'));
    const windowKeys = async () => (await kv.snapshot('window.')).entries.length;
    const a = state.positionsFor('m', 'a');
    await a.load();
    await a.save({ shards, windows: windowsOf('s', 3_000) });
    const written = kv.bytesWritten;
    await a.save({ shards, windows: windowsOf('s', 3_000) });
    // The checkpoint key alone.
    expect(kv.bytesWritten - written).toBeLessThan(1024);
    // Three shards, each state in 3 chunks, in turn in two slots.
    for (let round = 0; round < 4; round++) await a.save({ shards, windows: windowsOf(`r${round}`, 3_000) });
    expect(await windowKeys()).toBeLessThanOrEqual(3 * 3 * 2);
    // Windows that end take their keys with them; a new holder moves the states into keys of its own.
    await a.save({ shards, windows: windowsOf('one', 3_000, 1) });
    expect(await windowKeys()).toBeLessThanOrEqual(3 * 2);
    const b = state.positionsFor('m', 'b');
    const loaded = await b.load();
    await b.save({ shards, windows: loaded!.windows! });
    expect(await windowKeys()).toBe(3);
    await state.remove('m');
    expect(await windowKeys()).toBe(0);
  });

  it('saved whole in the checkpoint, as before they had keys of their own, are read', async () => {
    const kv = new MemoryKv();
    const state = new SharedMappingState(kv);
    await state.save(mapping('m', 'f'));
    const windows = windowsOf('old', 100);
    await kv.put('checkpoint.m', new TextEncoder().encode(JSON.stringify({ shards, windows, holder: 'a' })));
    expect(await state.positionsFor('m', 'b').load()).toEqual({ shards, windows });
  });
});
