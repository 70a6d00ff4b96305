// Behaviour every ShardLog must share, run against each implementation.
import { describe, expect, it } from 'vitest';
import type { AppendRecord, AppendedOffsets, ShardLog } from '../../../../src/engine/stream/log/shard-log.js';

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

export function recordsAt(ts: number, ...payloads: string[]): AppendRecord[] {
  return payloads.map((p) => ({ partitionKey: `key-${p}`, data: text(p), arrivalTimestamp: ts }));
}

const everything = { maxRecords: 1_000_000, maxBytes: 1 << 30 };

export function describeShardLogContract(name: string, open: () => Promise<ShardLog>): void {
  describe(`${name} (shard log contract)`, () => {
    it('starts empty', async () => {
      const log = await open();
      expect(log.firstOffset).toBe(0);
      expect(log.committedOffset).toBe(0);
      expect(log.lastArrivalTimestamp).toBeUndefined();
      expect(await log.read(0, everything)).toEqual([]);
      await log.destroy();
    });

    it('assigns consecutive offsets in call order and resolves with the first offset of each append', async () => {
      const log = await open();
      const a = log.append(recordsAt(10, 'a', 'b'));
      const b = log.append(recordsAt(11, 'c'));
      expect(await a).toBe(0);
      expect(await b).toBe(2);
      expect(log.committedOffset).toBe(3);
      const read = await log.read(0, everything);
      expect(read.map((r) => [r.offset, decode(r.data), r.partitionKey, r.arrivalTimestamp])).toEqual([
        [0, 'a', 'key-a', 10],
        [1, 'b', 'key-b', 10],
        [2, 'c', 'key-c', 11],
      ]);
      expect(log.lastArrivalTimestamp).toBe(11);
      await log.destroy();
    });

    it('stamps every record of an append with the arrival timestamp given beside them', async () => {
      const log = await open();
      await log.append(recordsAt(5, 'a'));
      const first = await log.append([{ partitionKey: 'k1', data: text('b') }, { partitionKey: 'k2', data: text('c') }], 7);
      expect(first).toBe(1);
      expect((await log.read(0, everything)).map((r) => [r.offset, r.partitionKey, decode(r.data), r.arrivalTimestamp])).toEqual([
        [0, 'key-a', 'a', 5],
        [1, 'k1', 'b', 7],
        [2, 'k2', 'c', 7],
      ]);
      expect(log.lastArrivalTimestamp).toBe(7);
      await log.destroy();
    });

    it('keeps stored data intact when the caller reuses its buffer', async () => {
      const log = await open();
      const buffer = text('original');
      await log.append([{ partitionKey: 'k', data: buffer, arrivalTimestamp: 1 }]);
      buffer.fill(0);
      await log.append(recordsAt(2, 'later'));
      expect(decode((await log.read(0, everything))[0]!.data)).toBe('original');
      await log.destroy();
    });

    it('stops a read at maxRecords and at maxBytes, but always returns at least one record', async () => {
      const log = await open();
      await log.append(recordsAt(1, 'aaaa', 'bbbb', 'cccc', 'dddd'));
      expect((await log.read(0, { maxRecords: 2, maxBytes: 1 << 20 })).map((r) => r.offset)).toEqual([0, 1]);
      expect((await log.read(1, { maxRecords: 10, maxBytes: 1 })).map((r) => r.offset)).toEqual([1]);
      expect((await log.read(2, { maxRecords: 10, maxBytes: 1 << 20 })).map((r) => r.offset)).toEqual([2, 3]);
      expect(await log.read(4, everything)).toEqual([]);
      await log.destroy();
    });

    it('finds the first offset at or after a timestamp by arrival time', async () => {
      const log = await open();
      await log.append([...recordsAt(100, 'a', 'b'), ...recordsAt(200, 'c'), ...recordsAt(300, 'd', 'e')]);
      expect(await log.offsetAtTimestamp(0)).toBe(0);
      expect(await log.offsetAtTimestamp(100)).toBe(0);
      expect(await log.offsetAtTimestamp(101)).toBe(2);
      expect(await log.offsetAtTimestamp(300)).toBe(3);
      expect(await log.offsetAtTimestamp(301)).toBe(5);
      expect(await log.arrivalTimestampAt(2)).toBe(200);
      expect(await log.arrivalTimestampAt(5)).toBeUndefined();
      await log.destroy();
    });

    it('calls commit listeners after the records are readable, until they unsubscribe', async () => {
      const log = await open();
      const seen: number[] = [];
      const off = log.onCommit(() => seen.push(log.committedOffset));
      await log.append(recordsAt(1, 'a'));
      await log.append(recordsAt(1, 'b', 'c'));
      off();
      await log.append(recordsAt(1, 'd'));
      expect(seen).toEqual([1, 3]);
      await log.destroy();
    });

    it('accepts appends made from a commit listener, in order', async () => {
      const log = await open();
      const followUps: Promise<AppendedOffsets>[] = [];
      let made = 0;
      log.onCommit(() => {
        if (made < 3) followUps.push(log.append(recordsAt(2, `follow-up ${made++}`)));
      });
      await log.append(recordsAt(1, 'first'));
      // Each follow-up commits in turn and triggers the next, until three have been made.
      while (followUps.length < 3) await Promise.all(followUps);
      expect(await Promise.all(followUps)).toEqual([1, 2, 3]);
      expect((await log.read(0, everything)).map((r) => decode(r.data))).toEqual(['first', 'follow-up 0', 'follow-up 1', 'follow-up 2']);
      await log.destroy();
    });

    it('rejects appends after close', async () => {
      const log = await open();
      await log.close();
      await expect(log.append(recordsAt(1, 'a'))).rejects.toThrow(/closed/);
      await log.destroy();
    });
  });
}
