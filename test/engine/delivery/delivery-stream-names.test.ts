// Delivery stream names: Firehose's rules and wording for the engine's own callers, `.` and `..` refused
// by name, and a state store that keeps every name's files in that name's own folder.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileDeliveryStateStore } from '../../../src/engine/delivery/delivery-state-store.js';
import type { DeliveryStreamRecord } from '../../../src/engine/delivery/delivery-stream-config.js';
import { validateDeliveryStreamName } from '../../../src/engine/delivery/delivery-stream-name.js';
import { startHarness, type Harness } from './delivery-harness.js';

const PATTERN = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";

describe('validateDeliveryStreamName', () => {
  it('accepts 1 to 64 letters, digits, _, . and -', () => {
    for (const name of ['a', 'orders.raw-v1', '...', '_', 'x'.repeat(64)]) expect(() => validateDeliveryStreamName(name)).not.toThrow();
  });

  it('words each broken rule as Firehose does, all in one ValidationException', () => {
    expect(() => validateDeliveryStreamName('a/b')).toThrow(`1 validation error detected: Value 'a/b' at 'deliveryStreamName' failed to satisfy constraint: ${PATTERN}`);
    expect(() => validateDeliveryStreamName('')).toThrow("1 validation error detected: Value '' at 'deliveryStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1");
    const long = `${'x'.repeat(64)}/`;
    expect(() => validateDeliveryStreamName(long)).toThrow(
      `2 validation errors detected: Value '${long}' at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64; ` +
        `Value '${long}' at 'deliveryStreamName' failed to satisfy constraint: ${PATTERN}`,
    );
    expect(() => validateDeliveryStreamName('\u0000')).toThrow(expect.objectContaining({ code: 'ValidationException', fault: 'user' }));
  });

  it('refuses . and .. by name with InvalidArgumentException', () => {
    for (const name of ['.', '..']) {
      expect(() => validateDeliveryStreamName(name)).toThrow(expect.objectContaining({ code: 'InvalidArgumentException', message: `DeliveryStreamName '${name}' is not allowed: the names '.' and '..' are reserved.` }));
    }
  });
});

describe('the delivery manager', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const destination = { RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::lake' };

  it('refuses to create a delivery stream named . or .., and answers every other operation on them the same way', async () => {
    for (const name of ['.', '..']) {
      await expect(h.manager.createDeliveryStream({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: destination })).rejects.toMatchObject({ code: 'InvalidArgumentException' });
      expect(() => h.manager.describeDeliveryStream(name)).toThrow(`DeliveryStreamName '${name}' is not allowed`);
      await expect(h.manager.deleteDeliveryStream(name)).rejects.toMatchObject({ code: 'InvalidArgumentException' });
      await expect(h.manager.putRecord(name, Buffer.from('x'))).rejects.toMatchObject({ code: 'InvalidArgumentException' });
    }
    expect(h.store.listStreams()).toEqual([]);
    expect(existsSync(join(h.dir, 'data', 'delivery-stream.json'))).toBe(false);
  });

  it('words a name outside the pattern as Firehose does', async () => {
    await expect(h.manager.createDeliveryStream({ DeliveryStreamName: 'a/../b', ExtendedS3DestinationConfiguration: destination })).rejects.toThrow(
      `1 validation error detected: Value 'a/../b' at 'deliveryStreamName' failed to satisfy constraint: ${PATTERN}`,
    );
  });
});

describe('the file state store', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'eddy-delivery-state-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const record = (name: string) => ({ name, versionId: 1 }) as unknown as DeliveryStreamRecord;

  it('keeps the files of a name that would be a path (., .., a/b) in a folder of its own, and removes only that folder', async () => {
    const store = new FileDeliveryStateStore(join(root, 'delivery'));
    await writeFile(join(root, 'precious'), 'keep');
    for (const name of ['.', '..', 'a/b', 'kept']) {
      await store.save(record(name));
      await store.saveCheckpoint(name, { versionId: 1, shards: {} });
    }
    expect((await readdir(join(root, 'delivery'))).sort()).toEqual(['%2E', '%2E%2E', 'a%2Fb', 'kept']);
    expect((await store.list()).map((r) => r.name)).toEqual(['.', '..', 'a/b', 'kept']);
    for (const name of ['.', '..', 'a/b']) await store.remove(name);
    expect(await readdir(join(root, 'delivery'))).toEqual(['kept']);
    expect((await readdir(root)).sort()).toEqual(['delivery', 'precious']);
    expect(await store.loadCheckpoint('kept')).toEqual({ versionId: 1, shards: {} });
  });

  it('lists only folders: a file among them is not a delivery stream', async () => {
    const store = new FileDeliveryStateStore(join(root, 'delivery'));
    await store.save(record('kept'));
    await writeFile(join(root, 'delivery', 'delivery-stream.json'), JSON.stringify(record('.')));
    await mkdir(join(root, 'delivery', 'empty'));
    expect((await store.list()).map((r) => r.name)).toEqual(['kept']);
  });
});
