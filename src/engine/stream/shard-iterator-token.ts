// Shard iterators are opaque, authenticated tokens: AES-256-GCM over the stream, shard, position and issue
// time. They need no server-side state, and with a key kept in the data directory they outlive a restart.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { invalidShardIterator } from './stream-errors.js';

export const ITERATOR_KEY_BYTES = 32;
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** version u8, issuedAt f64, streamIncarnation f64, shardIndex u32, offset f64, then the stream name. */
const FIXED_BYTES = 1 + 8 + 8 + 4 + 8;

export interface IteratorState {
  readonly streamName: string;
  /** Tells a deleted-and-recreated stream of the same name apart. */
  readonly streamIncarnation: number;
  readonly shardIndex: number;
  /** The next offset to read. */
  readonly offset: number;
  /** Epoch ms when the iterator was issued; it expires 5 minutes later. */
  readonly issuedAt: number;
}

export class ShardIteratorCodec {
  constructor(private readonly key: Buffer) {
    if (key.length !== ITERATOR_KEY_BYTES) throw new RangeError(`iterator key must be ${ITERATOR_KEY_BYTES} bytes`);
  }

  encode(state: IteratorState): string {
    const name = Buffer.from(state.streamName, 'utf8');
    const plain = Buffer.allocUnsafe(FIXED_BYTES + name.length);
    plain.writeUInt8(VERSION, 0);
    plain.writeDoubleBE(state.issuedAt, 1);
    plain.writeDoubleBE(state.streamIncarnation, 9);
    plain.writeUInt32BE(state.shardIndex, 17);
    plain.writeDoubleBE(state.offset, 21);
    name.copy(plain, FIXED_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  }

  /** Decodes a token this codec issued; anything else (garbled, tampered, other key) is InvalidArgumentException. */
  decode(token: string): IteratorState {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) throw invalidShardIterator();
    const raw = Buffer.from(token, 'base64');
    if (raw.length < IV_BYTES + FIXED_BYTES + TAG_BYTES + 1) throw invalidShardIterator();
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw invalidShardIterator();
    }
    if (plain.readUInt8(0) !== VERSION) throw invalidShardIterator();
    return {
      issuedAt: plain.readDoubleBE(1),
      streamIncarnation: plain.readDoubleBE(9),
      shardIndex: plain.readUInt32BE(17),
      offset: plain.readDoubleBE(21),
      streamName: plain.subarray(FIXED_BYTES).toString('utf8'),
    };
  }
}

export function newIteratorKey(): Buffer {
  return randomBytes(ITERATOR_KEY_BYTES);
}
