import { describe, expect, it } from 'vitest';
import { ShardIteratorCodec, newIteratorKey } from '../../../src/engine/stream/shard-iterator-token.js';
import { EddyError } from '../../../src/engine/errors.js';

const state = { streamName: 'orders.v2', streamIncarnation: 123_456_789_012, shardIndex: 5, offset: 123_456, issuedAt: 1_700_000_500_000 };

function expectInvalid(codec: ShardIteratorCodec, token: string): void {
  try {
    codec.decode(token);
    expect.unreachable('token was accepted');
  } catch (e) {
    expect((e as EddyError).code).toBe('InvalidArgumentException');
    expect((e as EddyError).message).toBe('Invalid ShardIterator.');
  }
}

describe('shard iterator tokens', () => {
  it('round-trip the stream, shard, position and issue time', () => {
    const codec = new ShardIteratorCodec(newIteratorKey());
    expect(codec.decode(codec.encode(state))).toEqual(state);
  });

  it('are opaque base64 within the 512 characters Kinesis allows', () => {
    const codec = new ShardIteratorCodec(newIteratorKey());
    const token = codec.encode({ ...state, streamName: 'x'.repeat(128) });
    expect(token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(token.length).toBeLessThanOrEqual(512);
    expect(token).not.toContain('orders');
  });

  it('reject a token with any byte changed', () => {
    const codec = new ShardIteratorCodec(newIteratorKey());
    const raw = Buffer.from(codec.encode(state), 'base64');
    for (const i of [0, 13, 20, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[i] = tampered[i]! ^ 1;
      expectInvalid(codec, tampered.toString('base64'));
    }
  });

  it('reject tokens sealed with another key, and garbage', () => {
    const token = new ShardIteratorCodec(newIteratorKey()).encode(state);
    const other = new ShardIteratorCodec(newIteratorKey());
    expectInvalid(other, token);
    expectInvalid(other, 'not-an-iterator');
    expectInvalid(other, '');
  });
});
