// A windowed INSERT INTO query on two `eddy serve` processes sharing a three-node JetStream cluster, as
// users run it: records are put continuously through one process while the process running the query is
// killed with SIGKILL (the other takes the query over once its lease times out, and resumes from the last
// checkpoint), and then while a node of the NATS cluster is killed and stays down. The output stream, read
// back, holds exactly DuckDB's answer over every acknowledged record; rows emitted twice (at-least-once: a
// new holder emits again what its predecessor emitted after its last checkpoint) are counted and reported.
import { ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { click, duckdbPerSecond, perSecondRowKey, type Click } from '../support/clicks-per-second.js';
import { exitOf } from '../cli/run-eddy.js';
import { FrameClient } from '../server/ws/frame-client.js';
import { http, readStream, ServesOnJetStream, type Serve } from '../support/serves-on-jetstream.js';

const LEASE_TIMEOUT_S = 3;
const T0 = Date.UTC(2024, 0, 1);

let serves: ServesOnJetStream;

async function sql(serve: Serve, text: string): Promise<any> {
  const res = await http(serve, 'POST', '/v1/sql', { sql: text });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.results;
}

beforeAll(async () => {
  serves = await ServesOnJetStream.start('queries-across-processes', ['a', 'b'], LEASE_TIMEOUT_S);
}, 120_000);

afterAll(async () => {
  await serves?.stop();
});

describe('a windowed query on two eddy serve processes sharing a JetStream cluster', () => {
  it('sends the rows of a query running on one process to a WebSocket on the other, until it is stopped through either', async () => {
    const [a, b] = [serves.get('a'), serves.get('b')];
    await sql(a, 'CREATE STREAM notes (body VARCHAR, n INT) WITH (shards = 1)');
    const started = await http(a, 'POST', '/v1/queries', { sql: 'SELECT body, n * 2 AS twice FROM notes' });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const queryId = started.json.id as string;
    await vi.waitFor(async () => expect((await http(b, 'GET', `/v1/queries/${queryId}`)).json.process).toBe('a'), { timeout: 30_000 });
    const client = await FrameClient.connect(b.endpoint, queryId);
    // Rows cross once the process running the query has heard of the subscriber (at most once before that).
    let sent = 0;
    await vi.waitFor(
      async () => {
        await a.kinesis.send(new PutRecordsCommand({ StreamName: 'notes', Records: [{ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ body: `note ${sent}`, n: sent })) }] }));
        sent++;
        expect(client.rows.length).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 200 },
    );
    const last = sent - 1;
    await client.until((c) => c.rows.some((r) => r.body === `note ${last}` && r.twice === last * 2), `note ${last}`);
    expect((await http(b, 'DELETE', `/v1/queries/${queryId}`)).status).toBe(204);
    await client.until((c) => c.closed !== undefined || c.frames.some((f) => f.type === 'end'), 'the end of the results');
    client.ws.close();
  }, 120_000);

  it('moves to the other process when its process is killed, and its output matches DuckDB through a NATS node loss too', async () => {
    const [a, b] = [serves.get('a'), serves.get('b')];
    await sql(a, "CREATE STREAM clicks (user_id VARCHAR, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) WITH (shards = 2)");
    await sql(a, 'CREATE STREAM per_second (window_start TIMESTAMP, user_id VARCHAR, n BIGINT, total BIGINT) WITH (shards = 1)');
    const [started] = await sql(
      a,
      `INSERT INTO per_second SELECT window_start, user_id, COUNT(*) AS n, SUM(amount) AS total
       FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, user_id`,
    );
    const queryId = started.query.id as string;
    // The process a query is started through runs it; the other lists it as running there.
    expect((await http(a, 'GET', `/v1/queries/${queryId}`)).json.process).toBe('a');
    await vi.waitFor(async () => expect((await http(b, 'GET', `/v1/queries/${queryId}`)).json.process).toBe('a'), { timeout: 30_000 });

    // One producer, through the process that stays: event times 20 ms apart, so no record is late.
    const acknowledged: Click[] = [];
    let n = 0;
    let phase: 'before' | 'afterEddyKill' | 'afterNatsKill' = 'before';
    const putsIn = { before: 0, afterEddyKill: 0, afterNatsKill: 0 };
    const putBatch = async (): Promise<void> => {
      const batch = Array.from({ length: 20 }, () => click(n++, T0));
      const put = await b.kinesis.send(
        new PutRecordsCommand({ StreamName: 'clicks', Records: batch.map((r) => ({ PartitionKey: r.user_id, Data: Buffer.from(JSON.stringify({ ...r, ts: new Date(r.ts).toISOString() })) })) }),
      );
      put.Records!.forEach((r, i) => {
        if (r.SequenceNumber === undefined) return;
        acknowledged.push(batch[i]!);
        putsIn[phase]++;
      });
    };
    const putFor = async (ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (Date.now() < until) await putBatch();
    };
    // The query's status on the process running it (its own figures, not what it last told the other).
    const statusOnA = async (): Promise<any> => (await http(a, 'GET', `/v1/queries/${queryId}`)).json;
    const putUntil = async (check: (status: any) => void): Promise<any> => {
      let status: any;
      await vi.waitFor(
        async () => {
          await putBatch();
          status = await statusOnA();
          check(status);
        },
        { timeout: 30_000, interval: 10 },
      );
      return status;
    };

    // Records are put until the process running the query has read some and then saved a checkpoint
    // (every 5 s): the process is killed then, and the other resumes from that checkpoint.
    const puttingSince = Date.now();
    const reading = await putUntil((s) => expect(s.inputRecords).toBeGreaterThan(0));
    await putUntil((s) => expect(s.checkpoints.completed).toBeGreaterThan(reading.checkpoints.completed));
    const putBeforeKillMs = Date.now() - puttingSince;
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await exitOf(a.child);
    phase = 'afterEddyKill';
    let takenOverAfterMs = -1;
    const producing = putFor(LEASE_TIMEOUT_S * 1000 + 3_000);
    await vi.waitFor(
      async () => {
        expect((await http(b, 'GET', `/v1/queries/${queryId}`)).json.process).toBe('b');
        takenOverAfterMs = Date.now() - killedAt;
      },
      { timeout: 20_000, interval: 100 },
    );
    await producing;

    // A node of the cluster goes too, and stays down while the last windows close: puts go on, and so
    // does the query. A put to a shard whose leader was on that node waits for the next leader (some
    // seconds), so they go on for longer than that.
    await serves.cluster.kill(1);
    phase = 'afterNatsKill';
    await putFor(8_000);

    // Rows at one later second on both shards close every window of the records above.
    const closing = T0 + n * 20 + 5_000;
    const shards = (await b.kinesis.send(new ListShardsCommand({ StreamName: 'clicks' }))).Shards!;
    const closed = await b.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'clicks',
        Records: shards.map((s) => ({ PartitionKey: 'close', ExplicitHashKey: s.HashKeyRange!.StartingHashKey!, Data: Buffer.from(JSON.stringify({ user_id: '~close', amount: 0, ts: new Date(closing).toISOString() })) })),
      }),
    );
    expect(closed.FailedRecordCount ?? 0).toBe(0);

    const expected = await duckdbPerSecond(acknowledged);
    let output: Record<string, unknown>[] = [];
    const diagnose = async (): Promise<string> => {
      const status = (await http(b, 'GET', `/v1/queries/${queryId}`)).json;
      const have = new Set(output.map(perSecondRowKey));
      return JSON.stringify({ status: { ...status, history: undefined, sql: undefined, columns: undefined }, missing: [...expected].filter((r) => !have.has(r)).slice(0, 10) });
    };
    const timer = setTimeout(() => void diagnose().then((d) => console.log('DIAG', d)), 50_000);
    await vi.waitFor(
      async () => {
        output = await readStream(b.kinesis, 'per_second');
        expect(new Set(output.map(perSecondRowKey)).size).toBeGreaterThanOrEqual(expected.size);
      },
      { timeout: 60_000, interval: 500 },
    );
    clearTimeout(timer);
    const distinct = new Set(output.map(perSecondRowKey));
    const duplicates = output.length - distinct.size;
    console.log(
      `records acknowledged: ${acknowledged.length} (${putsIn.before} before the kill -9, ${putsIn.afterEddyKill} after it, ${putsIn.afterNatsKill} after the NATS node kill); ` +
        `put for ${putBeforeKillMs} ms until a checkpoint was saved; ` +
        `query taken over ${takenOverAfterMs} ms after kill -9 (lease timeout ${LEASE_TIMEOUT_S} s); ` +
        `output rows ${output.length}, distinct ${distinct.size}, DuckDB rows ${expected.size}, emitted twice ${duplicates}`,
    );
    expect(putsIn.afterEddyKill).toBeGreaterThan(0);
    expect(putsIn.afterNatsKill).toBeGreaterThan(0);
    expect([...distinct].filter((r) => !expected.has(r))).toEqual([]);
    expect([...expected].filter((r) => !distinct.has(r))).toEqual([]);
    expect(takenOverAfterMs).toBeLessThan((LEASE_TIMEOUT_S + 5) * 1000);
  }, 180_000);
});
