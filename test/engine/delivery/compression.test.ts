import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compress, unhadoopSnappy, unsnappyFramed } from '../../../src/engine/delivery/compression.js';
import { crc32c } from '../../../src/engine/delivery/crc32c.js';

const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => JSON.stringify({ i, v: `value-${i % 97}` }) + '\n').join(''));

describe('compression', () => {
  it('computes CRC-32C as RFC 3720 specifies', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('writes gzip that gunzip reads back', async () => {
    expect(gunzipSync(await compress('GZIP', text)).toString()).toBe(text.toString());
  });

  it('writes the Snappy framing format: stream identifier, then checksummed chunks of at most 64 KiB', async () => {
    const out = await compress('Snappy', text);
    expect(Buffer.from(out.subarray(0, 10)).toString('latin1')).toBe('\xff\x06\x00\x00sNaPpY');
    expect(out.length).toBeLessThan(text.length);
    expect(Buffer.from(unsnappyFramed(out)).toString()).toBe(text.toString());
  });

  it('writes Hadoop-compatible Snappy blocks', async () => {
    expect(Buffer.from(unhadoopSnappy(await compress('HADOOP_SNAPPY', text))).toString()).toBe(text.toString());
  });

  it('leaves UNCOMPRESSED data as it is', async () => {
    expect(await compress('UNCOMPRESSED', text)).toBe(text);
  });
});
