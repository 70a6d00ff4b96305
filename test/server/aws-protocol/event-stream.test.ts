import { EventStreamCodec } from '@smithy/core/event-streams';
import { describe, expect, it } from 'vitest';
import { crc32, decodeEventStreamMessages, encodeEventStreamMessage } from '../../../src/server/aws-protocol/event-stream.js';

const smithy = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

describe('event stream messages', () => {
  it('computes the standard CRC32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('are read back by the AWS SDK codec with their headers and payload', () => {
    const message = encodeEventStreamMessage(
      { ':event-type': 'SubscribeToShardEvent', ':content-type': 'application/json', ':message-type': 'event' },
      Buffer.from('{"Records":[]}'),
    );
    const decoded = smithy.decode(message);
    expect(decoded.headers[':event-type']).toEqual({ type: 'string', value: 'SubscribeToShardEvent' });
    expect(decoded.headers[':message-type']).toEqual({ type: 'string', value: 'event' });
    expect(new TextDecoder().decode(decoded.body)).toBe('{"Records":[]}');
  });

  it('split a byte stream into messages and keep an incomplete tail for later', () => {
    const a = encodeEventStreamMessage({ ':message-type': 'event' }, Buffer.from('a'));
    const b = encodeEventStreamMessage({ ':message-type': 'event' }, Buffer.from('bb'));
    const joined = Buffer.concat([a, b]);
    const first = decodeEventStreamMessages(joined.subarray(0, a.length + 5));
    expect(first.messages.map((m) => m.payload.toString())).toEqual(['a']);
    const second = decodeEventStreamMessages(Buffer.concat([first.rest, joined.subarray(a.length + 5)]));
    expect(second.messages.map((m) => m.payload.toString())).toEqual(['bb']);
    expect(second.rest.length).toBe(0);
  });

  it('refuse a message whose CRC does not match', () => {
    const message = encodeEventStreamMessage({ ':message-type': 'event' }, Buffer.from('payload'));
    message[message.length - 6]! ^= 0xff;
    expect(() => decodeEventStreamMessages(message)).toThrow(/CRC/);
  });
});
