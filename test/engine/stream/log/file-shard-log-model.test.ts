// Random operations against a file log with tiny segments, index interval and tail cache, checked after
// every step against a plain array of everything appended: the reference model.
import type { FileShardLog } from '../../../../src/engine/stream/log/file-shard-log.js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/engine/clock.js';
import { openFileShardLog, type FileShardLogOptions } from '../../../../src/engine/stream/log/file-shard-log.js';
import type { AppendRecord } from '../../../../src/engine/stream/log/shard-log.js';
import { tempDir } from './temp-dir.js';

/** A small seeded generator, so a failure replays exactly. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

function recordAt(offset: number, timestamp: number, random: (n: number) => number): AppendRecord {
  const data = new Uint8Array(random(3) === 0 ? random(2000) : random(120));
  for (let i = 0; i < data.length; i++) data[i] = (offset * 31 + i) & 0xff;
  return { partitionKey: random(5) === 0 ? `ключ-${offset % 9}` : `key-${offset % 13}`, data, arrivalTimestamp: timestamp };
}

async function runScenario(seed: number): Promise<void> {
  const random = generator(seed);
  const { shard } = tempDir();
  const clock = new ManualClock(1_000_000);
  const options: FileShardLogOptions = {
    fsync: (['always', 'interval', 'never'] as const)[random(3)]!,
    segmentBytes: 2048 + random(8192),
    segmentMaxAgeMs: 500 + random(2000),
    indexIntervalBytes: 256 + random(1024),
    tailCacheBytes: random(3) === 0 ? 0 : random(16_384),
    fsyncIntervalMs: 5,
  };
  const model: { record: AppendRecord; offset: number }[] = [];
  let log: FileShardLog = await openFileShardLog(shard, options, clock);

  const check = () => {
    const first = log.firstOffset;
    const committed = log.committedOffset;
    expect(committed).toBe(model.length);
    const from = first + random(Math.max(1, committed - first + 2)) - 1;
    const limits = { maxRecords: 1 + random(300), maxBytes: 1 + random(random(2) === 0 ? 40_000 : 500) };
    const got = log.read(from, limits);
    const start = Math.max(from, first);
    const expected = model.slice(start, committed);
    let bytes = 0;
    let take = 0;
    for (const { record } of expected) {
      const size = record.data.byteLength + record.partitionKey.length;
      if (take >= limits.maxRecords || (take > 0 && bytes + size > limits.maxBytes)) break;
      bytes += size;
      take++;
    }
    expect(got.map((r) => r.offset)).toEqual(expected.slice(0, take).map((m) => m.offset));
    for (const r of got) {
      const m = model[r.offset]!.record;
      expect(r.partitionKey).toBe(m.partitionKey);
      expect(r.arrivalTimestamp).toBe(m.arrivalTimestamp);
      expect(Buffer.from(r.data).equals(Buffer.from(m.data))).toBe(true);
    }
    const t = clock.now() - random(5000);
    const firstAtOrAfter = model.findIndex((m) => m.offset >= first && m.record.arrivalTimestamp >= t);
    expect(log.offsetAtTimestamp(t)).toBe(firstAtOrAfter === -1 ? committed : firstAtOrAfter);
    const probe = first + random(Math.max(1, committed - first + 1));
    expect(log.arrivalTimestampAt(probe)).toBe(probe < committed ? model[probe]!.record.arrivalTimestamp : undefined);
    expect(log.lastArrivalTimestamp).toBe(committed > first ? model[committed - 1]!.record.arrivalTimestamp : undefined);
  };

  for (let step = 0; step < 150; step++) {
    const action = random(20);
    if (action < 12) {
      const count = 1 + random(random(4) === 0 ? 200 : 10);
      const records = Array.from({ length: count }, (_, i) => recordAt(model.length + i, clock.now(), random));
      const offset = model.length;
      for (const record of records) model.push({ record, offset: model.length });
      expect(await log.append(records)).toBe(offset);
    } else if (action < 15) {
      clock.advance(random(400));
    } else if (action < 18) {
      const cut = clock.now() - random(3000);
      const before = log.firstOffset;
      await log.trimBefore(cut);
      const first = log.firstOffset;
      expect(first).toBeGreaterThanOrEqual(before);
      // Only expired records go, and never one that arrived at or after the cut.
      for (let o = before; o < first; o++) expect(model[o]!.record.arrivalTimestamp).toBeLessThan(cut);
    } else {
      await log.close();
      log = await openFileShardLog(shard, options, clock);
    }
    check();
  }
  await log.close();
}

describe('FileShardLog against a reference model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`agrees with the model over 150 random steps (seed ${seed})`, () => runScenario(seed));
  }
});
