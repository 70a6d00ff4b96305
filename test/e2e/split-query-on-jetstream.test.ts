// A windowed INSERT INTO query split into two parts (POST /v1/queries with parallelism 2) on two
// `eddy serve` processes sharing a three-node JetStream cluster: each process runs one part (each part
// reads half of the source's shards and sends every row to the part owning its key). Then the process
// running part 0 is killed with SIGKILL, and the other takes that part over from its last checkpoint.
// The output stream, read back, holds exactly DuckDB's answer over every acknowledged record; windows
// emitted twice after the takeover are counted and reported, and no row is aggregated twice.
import { ListShardsCommand, ListStreamsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exitOf } from '../cli/run-eddy.js';
import { click, duckdbPerSecond, perSecondRowKey, type Click } from '../support/clicks-per-second.js';
import { http, readStream, ServesOnJetStream, type Serve } from '../support/serves-on-jetstream.js';

const LEASE_TIMEOUT_S = 3;
const T0 = Date.UTC(2024, 0, 1);

let serves: ServesOnJetStream;

beforeAll(async () => {
  serves = await ServesOnJetStream.start('split-query', ['a', 'b'], LEASE_TIMEOUT_S, ['--idle-timeout', '600']);
}, 120_000);

afterAll(async () => {
  await serves?.stop();
});

describe('a windowed query split into two parts over two eddy serve processes', () => {
  it('runs a part on each process, survives a kill -9 of one, and its output matches DuckDB', async () => {
    const [a, b] = [serves.get('a'), serves.get('b')];
    const created = await http(a, 'POST', '/v1/sql', {
      sql: `CREATE STREAM clicks (user_id VARCHAR, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) WITH (shards = 4);
            CREATE STREAM per_second (window_start TIMESTAMP, user_id VARCHAR, n BIGINT, total BIGINT) WITH (shards = 1)`,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    const started = await http(a, 'POST', '/v1/queries', {
      sql: `INSERT INTO per_second SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total
            FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, user_id`,
      parallelism: 2,
    });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const queryId = started.json.id as string;
    const partsSeenBy = async (serve: Serve): Promise<unknown[]> => ((await http(serve, 'GET', `/v1/queries/${queryId}`)).json.parts ?? []).map((p: { process?: string }) => p.process);
    // The process it was started through takes part 0 at once; the other takes part 1 when it hears of the query.
    await vi.waitFor(async () => expect(await partsSeenBy(a)).toEqual(['a', 'b']), { timeout: 30_000, interval: 200 });
    await vi.waitFor(async () => expect(await partsSeenBy(b)).toEqual(['a', 'b']), { timeout: 30_000, interval: 200 });
    // The exchange stream the parts send rows through is Eddy's own: the Kinesis API does not list it.
    expect((await b.kinesis.send(new ListStreamsCommand({}))).StreamNames?.sort()).toEqual(['clicks', 'per_second']);

    const acknowledged: Click[] = [];
    let n = 0;
    const putBatch = async (): Promise<void> => {
      const batch = Array.from({ length: 20 }, () => click(n++, T0));
      const put = await b.kinesis.send(
        new PutRecordsCommand({ StreamName: 'clicks', Records: batch.map((r, j) => ({ PartitionKey: `${r.user_id}-${j % 4}`, Data: Buffer.from(JSON.stringify({ ...r, ts: new Date(r.ts).toISOString() })) })) }),
      );
      put.Records!.forEach((r, i) => r.SequenceNumber !== undefined && acknowledged.push(batch[i]!));
    };
    const putFor = async (ms: number): Promise<void> => {
      for (const until = Date.now() + ms; Date.now() < until; ) await putBatch();
    };
    // Records are put until every part has read some and then saved a checkpoint (each part checkpoints
    // on its own, every 5 s): the process running part 0 is killed then, and the other resumes that part
    // from its checkpoint. The parts' figures as the process running part 0 sees them (part 1's as its
    // process last told it).
    const partsOnA = async (): Promise<any[]> => (await http(a, 'GET', `/v1/queries/${queryId}`)).json.parts;
    const putUntil = async (check: (parts: any[]) => void): Promise<any[]> => {
      let parts: any[] = [];
      await vi.waitFor(
        async () => {
          await putBatch();
          parts = await partsOnA();
          check(parts);
        },
        { timeout: 30_000, interval: 10 },
      );
      return parts;
    };
    const puttingSince = Date.now();
    const reading = await putUntil((parts) => expect(parts.map((p) => p.inputRecords > 0)).toEqual([true, true]));
    await putUntil((parts) => expect(parts.map((p, i) => p.checkpoints.completed > reading[i].checkpoints.completed)).toEqual([true, true]));
    const putBeforeKillMs = Date.now() - puttingSince;
    const before = acknowledged.length;
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await exitOf(a.child);
    let takenOverAfterMs = -1;
    const producing = putFor(LEASE_TIMEOUT_S * 1000 + 3_000);
    await vi.waitFor(
      async () => {
        expect(await partsSeenBy(b)).toEqual(['b', 'b']);
        takenOverAfterMs = Date.now() - killedAt;
      },
      { timeout: 20_000, interval: 100 },
    );
    await producing;

    // Rows at one later second on every shard close every window of the records above.
    const shards = (await b.kinesis.send(new ListShardsCommand({ StreamName: 'clicks' }))).Shards!;
    const closing = T0 + n * 20 + 5_000;
    const closed = await b.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'clicks',
        Records: shards.map((s) => ({ PartitionKey: 'close', ExplicitHashKey: s.HashKeyRange!.StartingHashKey!, Data: Buffer.from(JSON.stringify({ user_id: '~close', amount: 0, ts: new Date(closing).toISOString() })) })),
      }),
    );
    expect(closed.FailedRecordCount ?? 0).toBe(0);

    const expected = await duckdbPerSecond(acknowledged);
    const key = perSecondRowKey;
    let output: Record<string, unknown>[] = [];
    await vi.waitFor(
      async () => {
        output = await readStream(b.kinesis, 'per_second');
        expect(new Set(output.map(key)).size).toBeGreaterThanOrEqual(expected.size);
      },
      { timeout: 60_000, interval: 500 },
    );
    const distinct = new Set(output.map(key));
    const status = (await http(b, 'GET', `/v1/queries/${queryId}`)).json;
    console.log(
      `split query, parallelism 2: records acknowledged ${acknowledged.length} (${before} before the kill -9, put for ${putBeforeKillMs} ms until every part had checkpointed); part 0 taken over ${takenOverAfterMs} ms after it ` +
        `(lease timeout ${LEASE_TIMEOUT_S} s); output rows ${output.length}, distinct ${distinct.size}, DuckDB rows ${expected.size}, emitted twice ${output.length - distinct.size}; ` +
        `late rows ${status.lateRows}`,
    );
    // Every window holds exactly DuckDB's count and sum: no row was lost, and none counted twice.
    expect([...distinct].filter((r) => !expected.has(r))).toEqual([]);
    expect([...expected].filter((r) => !distinct.has(r))).toEqual([]);
    expect(status.lateRows).toBe(0);
    expect(takenOverAfterMs).toBeLessThan((LEASE_TIMEOUT_S + 8) * 1000);
  }, 180_000);
});
