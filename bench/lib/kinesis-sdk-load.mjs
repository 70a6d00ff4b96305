#!/usr/bin/env node
// One SDK load process of the Kinesis benchmark, forked by it with a JSON setup as its argument:
//   { operation: 'put', endpoint, transport, streamName, clients }
//     `clients` SDK clients, each sending PutRecords back to back until the window ends;
//   { operation: 'drain', endpoint, transport, streamName, consumers: [[shardId, …], …] }
//     a client per consumer, each reading its shards in turn from TRIM_HORIZON until a short page.
// Setup (loading the SDK, connecting, a first PutRecords per client, taking iterators) happens before
// it reports `ready`; the benchmark then sends every process the same `start` (startAt, endAt: wall-clock
// ms), so rates from several processes add up over one common window. It answers `done` with the
// records it stored or read, when its last call finished, and the CPU it used from startAt on.
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GET_LIMIT, RECORDS_PER_CALL, makeRecords, sdkClient, wallClock } from './kinesis-sdk.mjs';

const setup = JSON.parse(process.argv[2]);

async function prepare() {
  if (setup.operation === 'put') {
    const records = makeRecords();
    const clients = Array.from({ length: setup.clients }, () => sdkClient(setup.endpoint, setup.transport));
    for (const c of clients) await c.send(new PutRecordsCommand({ StreamName: setup.streamName, Records: records }));
    return { clients, run: (endAt) => put(clients, records, endAt) };
  }
  const consumers = [];
  for (const shardIds of setup.consumers) {
    const client = sdkClient(setup.endpoint, setup.transport);
    const iterators = [];
    for (const shardId of shardIds) {
      const out = await client.send(new GetShardIteratorCommand({ StreamName: setup.streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
      iterators.push(out.ShardIterator);
    }
    consumers.push({ client, iterators });
  }
  return { clients: consumers.map((c) => c.client), run: () => drain(consumers) };
}

async function put(clients, records, endAt) {
  let stored = 0;
  let lastAt = wallClock();
  await Promise.all(
    clients.map(async (c) => {
      while (wallClock() < endAt) {
        const out = await c.send(new PutRecordsCommand({ StreamName: setup.streamName, Records: records }));
        stored += RECORDS_PER_CALL - (out.FailedRecordCount ?? 0);
        lastAt = wallClock();
      }
    }),
  );
  return { records: stored, lastAt };
}

async function drain(consumers) {
  let read = 0;
  let lastAt = wallClock();
  await Promise.all(
    consumers.map(async ({ client, iterators }) => {
      for (let iterator of iterators) {
        for (;;) {
          const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_LIMIT }));
          read += out.Records.length;
          lastAt = wallClock();
          iterator = out.NextShardIterator;
          if (out.Records.length < GET_LIMIT || !iterator) break;
        }
      }
    }),
  );
  return { records: read, lastAt };
}

function fail(err) {
  process.send({ kind: 'error', message: err?.stack ?? String(err) }, () => process.exit(1));
}

try {
  const { clients, run } = await prepare();
  process.once('message', async ({ startAt, endAt }) => {
    try {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - wallClock())));
      const cpuBefore = process.cpuUsage();
      const result = await run(endAt);
      const cpu = process.cpuUsage(cpuBefore);
      for (const c of clients) c.destroy();
      process.send({ kind: 'done', ...result, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, () => process.disconnect());
    } catch (err) {
      fail(err);
    }
  });
  process.send({ kind: 'ready' });
} catch (err) {
  fail(err);
}
