import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/index.js';
import { kplAggregate } from '../kpl/kpl-test-writer.js';
import { arnOf, startFunctionHarness, type FunctionHarness } from './function-harness.js';

const put = (h: FunctionHarness, stream: string, records: { key: string; data: string }[]) =>
  h.engine.store.putRecords(stream, records.map((r) => ({ partitionKey: r.key, data: Buffer.from(r.data) })));

describe('event source mappings', () => {
  let h: FunctionHarness;
  afterEach(async () => {
    await h?.close();
  });

  it("hands a handler Lambda's Kinesis event, in order, in batches no larger than BatchSize", async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('orders', { shardCount: 1 });
    h.writeHandler('recorder', 'return {};');
    await put(h, 'orders', Array.from({ length: 25 }, (_, i) => ({ key: `k${i % 3}`, data: `order ${i}` })));
    const created = await h.engine.functions.create({ functionName: 'recorder', eventSourceArn: arnOf('orders'), startingPosition: 'TRIM_HORIZON', batchSize: 10 });
    expect(created.state).toBe('Creating');
    const seen = await h.waitFor('recorder', () => h.seenData('recorder').length === 25);
    expect(h.seenData('recorder')).toEqual(Array.from({ length: 25 }, (_, i) => `order ${i}`));
    expect(seen.every((s) => s.event.Records.length <= 10)).toBe(true);
    const record = seen[0]!.event.Records[0]!;
    expect(Object.keys(record)).toEqual(['kinesis', 'eventSource', 'eventVersion', 'eventID', 'eventName', 'invokeIdentityArn', 'awsRegion', 'eventSourceARN']);
    expect(record).toMatchObject({ eventSource: 'aws:kinesis', eventVersion: '1.0', eventName: 'aws:kinesis:record', awsRegion: 'us-east-1', eventSourceARN: arnOf('orders') });
    expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
    expect(Object.keys(record.kinesis)).toEqual(['kinesisSchemaVersion', 'partitionKey', 'sequenceNumber', 'data', 'approximateArrivalTimestamp']);
    expect(record.kinesis).toMatchObject({ kinesisSchemaVersion: '1.0', partitionKey: 'k0' });
    expect(seen[0]!.functionName).toBe('recorder');
    const lastSeq = seen.at(-1)!.event.Records.at(-1)!.kinesis.sequenceNumber;
    await expect.poll(() => h.engine.functions.get(created.uuid).shards).toEqual([{ shardId: 'shardId-000000000000', position: { after: lastSeq } }]);
    expect(h.engine.functions.get(created.uuid)).toMatchObject({ state: 'Enabled', lastProcessingResult: 'OK' });
  });

  it('closes a batch before it would carry more than 6 MB of record data, as Lambda does', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('big', { shardCount: 1 });
    h.writeHandler('sizes', 'return {};');
    for (let i = 0; i < 8; i++) await h.engine.store.putRecord('big', { partitionKey: 'k', data: Buffer.alloc(1_000_000, 97 + i) });
    await h.engine.functions.create({ functionName: 'sizes', eventSourceArn: arnOf('big'), startingPosition: 'TRIM_HORIZON', batchSize: 100 });
    const seen = await h.waitFor('sizes', (s) => s.reduce((n, x) => n + x.event.Records.length, 0) === 8);
    expect(seen.map((s) => s.event.Records.length)).toEqual([6, 2]);
  });

  it('starts at LATEST with the records put after the mapping was created', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('s', { shardCount: 2 });
    h.writeHandler('f', 'return {};');
    await put(h, 's', [{ key: 'a', data: 'old' }]);
    await h.engine.functions.create({ functionName: 'f', eventSourceArn: arnOf('s'), startingPosition: 'LATEST' });
    await put(h, 's', [{ key: 'a', data: 'new' }]);
    await h.waitFor('f', () => h.seenData('f').includes('new'));
    expect(h.seenData('f')).toEqual(['new']);
  });

  it('retries a failing batch MaximumRetryAttempts times, then writes the on-failure record to the destination stream and goes on', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('in', { shardCount: 1 });
    await h.engine.store.createStream('failures', { shardCount: 1 });
    h.writeHandler('picky', "if (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'poison')) throw new TypeError('cannot digest poison'); return {};");
    const mapping = await h.engine.functions.create({ functionName: 'picky', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON', batchSize: 1, maximumRetryAttempts: 2, onFailureDestination: arnOf('failures') });
    await put(h, 'in', [{ key: 'k', data: 'fine' }, { key: 'k', data: 'poison' }, { key: 'k', data: 'after' }]);
    await h.waitFor('picky', () => h.seenData('picky').includes('after'));
    // One try and two retries of the poison record, then the next record.
    expect(h.seenData('picky')).toEqual(['fine', 'poison', 'poison', 'poison', 'after']);
    const cursor = h.engine.store.openCursor('failures', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    await cursor.waitForRecords();
    const [failure] = (await cursor.read()).records;
    cursor.close();
    const info = JSON.parse(Buffer.from(failure!.data).toString());
    expect(info).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:picky' },
      responseContext: { functionError: 'Unhandled', errorType: 'TypeError', errorMessage: 'cannot digest poison' },
      version: '1.0',
      KinesisBatchInfo: { shardId: 'shardId-000000000000', batchSize: 1, streamArn: arnOf('in') },
    });
    const poisonSeq = h.seen('picky')[1]!.event.Records[0]!.kinesis.sequenceNumber;
    expect(info.KinesisBatchInfo.startSequenceNumber).toBe(poisonSeq);
    expect(h.engine.functions.get(mapping.uuid).stats).toMatchObject({ recordsDiscarded: 1, failedInvocations: 3 });
  });

  it('with ReportBatchItemFailures resumes from the lowest failed sequence number', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('in', { shardCount: 1 });
    // Fails the record "3" on its first try only: the log tells how often it was seen.
    h.writeHandler(
      'partial',
      "const tries = (await import('node:fs')).readFileSync(log, 'utf8').split('\\n').filter((l) => l.includes('\"data\":\"Mw==\"')).length;" +
        "const bad = event.Records.find((r) => r.kinesis.data === 'Mw==');" +
        'return { batchItemFailures: bad && tries === 1 ? [{ itemIdentifier: bad.kinesis.sequenceNumber }] : [] };',
    );
    await put(h, 'in', ['1', '2', '3', '4', '5'].map((d) => ({ key: 'k', data: d })));
    await h.engine.functions.create({ functionName: 'partial', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON', batchSize: 5, reportBatchItemFailures: true });
    await h.waitFor('partial', (s) => s.length === 2);
    expect(h.seen('partial').map((s) => s.event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()))).toEqual([
      ['1', '2', '3', '4', '5'],
      ['3', '4', '5'],
    ]);
  });

  it('bisects a failing batch until the bad record is alone, without using up retries', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('halves', "if (event.Records.some((r) => r.kinesis.data === Buffer.from('bad').toString('base64'))) throw new Error('bad'); return {};");
    await put(h, 'in', ['a', 'b', 'c', 'bad', 'e', 'f', 'g', 'h'].map((d) => ({ key: 'k', data: d })));
    await h.engine.functions.create({ functionName: 'halves', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON', batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 });
    await h.waitFor('halves', (s) => s.length === 7);
    const batches = h.seen('halves').map((s) => s.event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()).join(','));
    // Halves of halves until 'bad' is alone; with no retries allowed it is then discarded.
    expect(batches).toEqual(['a,b,c,bad,e,f,g,h', 'a,b,c,bad', 'a,b', 'c,bad', 'c', 'bad', 'e,f,g,h']);
  });

  it('survives a handler that hangs past its timeout: the batch is retried and the server keeps running', async () => {
    h = await startFunctionHarness({ functions: { timeoutMs: 1_500 } });
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('sleepy', "const n = (await import('node:fs')).readFileSync(log, 'utf8').split('\\n').filter(Boolean).length; if (n === 1) await new Promise(() => {}); return {};");
    await put(h, 'in', [{ key: 'k', data: 'x' }]);
    const m = await h.engine.functions.create({ functionName: 'sleepy', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON' });
    await h.waitFor('sleepy', (s) => s.length === 2);
    await expect.poll(() => h.engine.functions.get(m.uuid).lastProcessingResult).toBe('OK');
    expect(h.engine.functions.get(m.uuid).stats.failedInvocations).toBe(1);
  });

  it('keeps each partition key in order with several batches of a shard in flight', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('lanes', 'await new Promise((r) => setTimeout(r, 5)); return {};');
    const records = Array.from({ length: 200 }, (_, i) => ({ key: `key-${i % 7}`, data: `${i % 7}:${i}` }));
    await put(h, 'in', records);
    await h.engine.functions.create({ functionName: 'lanes', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON', batchSize: 10, parallelizationFactor: 4 });
    await h.waitFor('lanes', () => h.seenData('lanes').length === 200);
    const byKey = new Map<string, number[]>();
    for (const d of h.seenData('lanes')) {
      const [k, n] = d.split(':');
      byKey.set(k!, [...(byKey.get(k!) ?? []), Number(n)]);
    }
    for (const list of byKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  });

  it('gives the user records of KPL aggregates, with their own partition keys and sub-sequence numbers', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('kpl', 'return {};');
    await h.engine.store.putRecords('in', [{ partitionKey: 'outer', data: kplAggregate(['u1', 'u2'], [{ key: 0, data: 'one' }, { key: 1, data: 'two' }]) }, { partitionKey: 'p', data: Buffer.from('plain') }]);
    await h.engine.functions.create({ functionName: 'kpl', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON' });
    const [seen] = await h.waitFor('kpl', (s) => s.length >= 1);
    expect(seen!.event.Records.map((r) => [Buffer.from(r.kinesis.data, 'base64').toString(), r.kinesis.partitionKey, r.kinesis.subSequenceNumber])).toEqual([
      ['one', 'u1', 0],
      ['two', 'u2', 1],
      ['plain', 'p', undefined],
    ]);
  });

  it('runs tumbling windows: state carried between invocations of a window, then a final invocation without records', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('windowed', "const state = { ...event.state }; for (const r of event.Records) state.count = (state.count ?? 0) + 1; return { state };");
    const m = await h.engine.functions.create({ functionName: 'windowed', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON', batchSize: 2, tumblingWindowInSeconds: 1 });
    await put(h, 'in', [{ key: 'k', data: '1' }, { key: 'k', data: '2' }, { key: 'k', data: '3' }]);
    const seen = await h.waitFor('windowed', (s) => s.some((x) => x.event.isFinalInvokeForWindow));
    const final = seen.find((x) => x.event.isFinalInvokeForWindow)!;
    expect(final.event.Records).toEqual([]);
    expect(final.event.state).toEqual({ count: 3 });
    expect(final.event).toMatchObject({ shardId: 'shardId-000000000000', isWindowTerminatedEarly: false });
    expect(Date.parse(final.event.window!.end) - Date.parse(final.event.window!.start)).toBe(1000);
    expect(seen[0]!.event.state).toEqual({});
    expect(h.engine.functions.get(m.uuid).state).toBe('Enabled');
  });

  it('reports a deleted source stream as the mapping\'s problem and keeps the server running', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('doomed', { shardCount: 1 });
    h.writeHandler('f', 'return {};');
    await put(h, 'doomed', [{ key: 'k', data: 'x' }]);
    const m = await h.engine.functions.create({ functionName: 'f', eventSourceArn: arnOf('doomed'), startingPosition: 'TRIM_HORIZON' });
    await h.waitFor('f', (s) => s.length === 1);
    await h.engine.store.deleteStream('doomed');
    await expect.poll(() => h.engine.functions.get(m.uuid).problem).toMatch(/doomed|not found|does not exist/);
    await h.engine.store.createStream('alive', { shardCount: 1 });
    await put(h, 'alive', [{ key: 'k', data: 'still here' }]);
    await h.engine.functions.create({ functionName: 'f', eventSourceArn: arnOf('alive'), startingPosition: 'TRIM_HORIZON' });
    await h.waitFor('f', () => h.seenData('f').includes('still here'));
  });

  it('resumes after a restart from the position saved for finished batches', async () => {
    h = await startFunctionHarness({ durable: true });
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('durable', 'return {};');
    await put(h, 'in', [{ key: 'k', data: 'before' }]);
    await h.engine.functions.create({ functionName: 'durable', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON' });
    await h.waitFor('durable', () => h.seenData('durable').length === 1);
    await h.restart();
    await put(h, 'in', [{ key: 'k', data: 'after' }]);
    await h.waitFor('durable', () => h.seenData('durable').includes('after'));
    expect(h.seenData('durable')).toEqual(['before', 'after']);
    expect(h.engine.functions.list()).toHaveLength(1);
  });
});

describe('time in event source mappings', () => {
  let h: FunctionHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('discards records older than MaximumRecordAgeInSeconds by the engine clock, without invoking the handler', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    h = await startFunctionHarness({ clock });
    await h.engine.store.createStream('in', { shardCount: 1 });
    await h.engine.store.createStream('expired', { shardCount: 1 });
    h.writeHandler('late', 'return {};');
    await put(h, 'in', [{ key: 'k', data: 'stale' }]);
    clock.advance(61_000);
    await h.engine.functions.create({ functionName: 'late', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON', maximumRecordAgeInSeconds: 60, onFailureDestination: arnOf('expired') });
    const cursor = h.engine.store.openCursor('expired', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    await cursor.waitForRecords();
    const info = JSON.parse(Buffer.from((await cursor.read()).records[0]!.data).toString());
    cursor.close();
    expect(info.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0 });
    expect(h.seen('late')).toEqual([]);
  });

  it('holds a batch for its batching window on the engine clock, and sends it once the clock has passed it', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    h = await startFunctionHarness({ clock });
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('patient', 'return {};');
    await h.engine.functions.create({ functionName: 'patient', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON', batchSize: 100, maximumBatchingWindowInSeconds: 30 });
    await put(h, 'in', [{ key: 'k', data: 'a' }, { key: 'k', data: 'b' }]);
    // Nothing but the engine clock ends the window: without moving it the batch would wait for ever.
    await h.waitFor('patient', (s) => {
      clock.advance(30_000);
      h.engine.functions.poke();
      return s.length === 1;
    });
    expect(h.seenData('patient')).toEqual(['a', 'b']);
  });
});

describe('handler modules', () => {
  let h: FunctionHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('run from TypeScript, transpiled on load, with their relative imports', async () => {
    h = await startFunctionHarness();
    await h.engine.store.createStream('in', { shardCount: 1 });
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(join(h.functionsDir, 'shout-lib.ts'), 'export const shout = (s: string): string => s.toUpperCase();\n');
    writeFileSync(
      join(h.functionsDir, 'typed.ts'),
      [
        "import { appendFileSync } from 'node:fs';",
        "import { shout } from './shout-lib.js';",
        'interface KinesisEvent { Records: { kinesis: { data: string } }[] }',
        'export async function handler(event: KinesisEvent): Promise<{ batchItemFailures: [] }> {',
        "  for (const r of event.Records) appendFileSync(new URL('./typed.out', import.meta.url), shout(Buffer.from(r.kinesis.data, 'base64').toString()) + '\\n');",
        '  return { batchItemFailures: [] };',
        '}',
        '',
      ].join('\n'),
    );
    await put(h, 'in', [{ key: 'k', data: 'quiet' }]);
    await h.engine.functions.create({ functionName: 'typed', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON' });
    const { existsSync, readFileSync } = await import('node:fs');
    const out = join(h.functionsDir, 'typed.out');
    await expect.poll(() => (existsSync(out) ? readFileSync(out, 'utf8') : ''), { timeout: 20_000 }).toBe('QUIET\n');
  });

  it('that exhaust their memory lose only their worker: the batch is retried in a new one', async () => {
    h = await startFunctionHarness({ functions: { memoryMb: 64 } });
    await h.engine.store.createStream('in', { shardCount: 1 });
    h.writeHandler('greedy', "if ((await import('node:fs')).readFileSync(log, 'utf8').split('\\n').filter(Boolean).length === 1) { const hoard = []; for (;;) hoard.push(new Array(1e6).fill(Math.random())); } return {};");
    await put(h, 'in', [{ key: 'k', data: 'x' }]);
    const m = await h.engine.functions.create({ functionName: 'greedy', eventSourceArn: arnOf('in'), startingPosition: 'TRIM_HORIZON' });
    await h.waitFor('greedy', (s) => s.length === 2);
    await expect.poll(() => h.engine.functions.get(m.uuid).lastProcessingResult).toBe('OK');
    expect(h.engine.functions.get(m.uuid).stats.failedInvocations).toBe(1);
  });
});
