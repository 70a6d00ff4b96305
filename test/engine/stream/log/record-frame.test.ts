import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, wordsOf } from '../../../../src/engine/stream/log/crc32.js';
import { FRAME_CORRUPT, FRAME_INCOMPLETE, FrameBlock, decodePartitionKey, encodeBatch } from '../../../../src/engine/stream/log/record-frame.js';
import { decode, recordsAt, text } from './shard-log-contract.js';

describe('crc32', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32(text('123456789'), 0, 9)).toBe(0xcbf43926);
  });

  it('gives the same checksum on the byte, word and native paths for every length and alignment', () => {
    const bytes = new Uint8Array(2048 + 8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    const words = wordsOf(bytes);
    for (const start of [0, 1, 2, 3, 4, 8]) {
      for (const length of [0, 1, 7, 15, 16, 17, 33, 130, 511, 512, 1000, 2048]) {
        const expected = zlib.crc32 ? zlib.crc32(bytes.subarray(start, start + length)) : crc32(bytes, start, start + length);
        expect(crc32(bytes, start, start + length, words)).toBe(expected);
        expect(crc32(bytes, start, start + length)).toBe(expected);
      }
    }
  });
});

describe('record frames', () => {
  it('round-trips offsets, timestamps, UTF-8 partition keys and data', () => {
    const records = [
      { partitionKey: 'ascii', data: text('one'), arrivalTimestamp: 1_700_000_000_123 },
      { partitionKey: 'clé-ünïcode-🙂', data: new Uint8Array(0), arrivalTimestamp: 1_700_000_000_124 },
      { partitionKey: 'k', data: new Uint8Array(1000).fill(7), arrivalTimestamp: 1_700_000_000_125 },
    ];
    const batch = encodeBatch(records, 2 ** 40);
    const block = new FrameBlock(batch.bytes);
    const decoded = [];
    for (let i = 0; i < batch.count; i++) {
      const at = batch.frameStarts[i]!;
      expect(at % 4).toBe(0);
      expect(block.check(at)).toBe(batch.frameStarts[i + 1]! - at);
      decoded.push({ offset: block.offset(at), partitionKey: block.partitionKey(at), data: Array.from(block.data(at)), ts: block.timestamp(at) });
    }
    expect(decoded).toEqual(
      records.map((r, i) => ({ offset: 2 ** 40 + i, partitionKey: r.partitionKey, data: Array.from(r.data), ts: r.arrivalTimestamp })),
    );
    expect(batch.frameStarts[batch.count]).toBe(batch.bytes.length);
  });

  it('detects any single flipped byte of a frame', () => {
    const batch = encodeBatch(recordsAt(5, 'payload of a record'), 3);
    // Padding after the data is not read, so only bytes up to the end of the data must be covered.
    const covered = 8 + batch.bytes.readUInt32LE(4);
    for (let i = 0; i < covered; i++) {
      const copy = Buffer.from(batch.bytes);
      copy[i]! ^= 0x10;
      expect([FRAME_CORRUPT, FRAME_INCOMPLETE]).toContain(new FrameBlock(copy).check(0));
    }
  });

  it('reports a frame cut short as incomplete and a zeroed one as corrupt', () => {
    const batch = encodeBatch(recordsAt(5, 'abc'), 0);
    expect(new FrameBlock(batch.bytes.subarray(0, batch.bytes.length - 4)).check(0)).toBe(FRAME_INCOMPLETE);
    expect(new FrameBlock(batch.bytes.subarray(0, 6)).check(0)).toBe(FRAME_INCOMPLETE);
    expect(new FrameBlock(Buffer.alloc(64)).check(0)).toBe(FRAME_CORRUPT);
  });

  it('keeps the encoded bytes independent of the caller’s buffers', () => {
    const data = text('before');
    const batch = encodeBatch([{ partitionKey: 'k', data, arrivalTimestamp: 1 }], 0);
    data.fill(0);
    expect(decode(new FrameBlock(batch.bytes).data(0))).toBe('before');
  });

  it('stamps every frame with the one arrival timestamp given for the batch, and refuses one that is not finite', () => {
    const batch = encodeBatch([{ partitionKey: 'a', data: text('x') }, { partitionKey: 'b', data: text('y') }], 10, 1_700_000_000_500);
    const block = new FrameBlock(batch.bytes);
    expect([0, 1].map((i) => block.timestamp(batch.frameStarts[i]!))).toEqual([1_700_000_000_500, 1_700_000_000_500]);
    expect(Array.from(batch.timestamps)).toEqual([1_700_000_000_500, 1_700_000_000_500]);
    expect(() => encodeBatch([{ partitionKey: 'a', data: text('x') }], 0, Number.NaN)).toThrow(/arrival timestamp NaN is not a finite number/);
  });

  it('rejects a partition key longer than its length field can hold', () => {
    expect(() => encodeBatch([{ partitionKey: 'x'.repeat(70_000), data: new Uint8Array(1), arrivalTimestamp: 1 }], 0)).toThrow(/partition key of 70000 bytes/);
  });

  it('decodes partition keys as UTF-8, whether ASCII or not', () => {
    const bytes = Buffer.from('..device-42|é|ÿ|🙂|', 'utf8');
    expect(decodePartitionKey(bytes, 2, 9)).toBe('device-42');
    expect(decodePartitionKey(bytes, 0, 0)).toBe('');
    expect(decodePartitionKey(bytes, 11, bytes.length - 11)).toBe('|é|ÿ|🙂|');
    // Bytes that are not valid UTF-8 decode as the replacement character, not as Latin-1.
    expect(decodePartitionKey(Buffer.from([0x61, 0xe9, 0x62]), 0, 3)).toBe('a\ufffdb');
    // Every length of a short ASCII key, and one just longer, from anywhere in the buffer.
    const text = 'k0123456789abcdef';
    const ascii = Buffer.from(text, 'latin1');
    for (let length = 0; length <= 10; length++) for (const at of [0, 3]) expect(decodePartitionKey(ascii, at, length)).toBe(text.slice(at, at + length));
  });
});
