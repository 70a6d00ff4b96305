// One consumer-group worker process for bench/consumer-group.bench.mjs: the eddy/consumer library from
// dist/, a processor that counts records and checkpoints after every GetRecords batch, and its count
// reported to the parent over IPC after each batch. Arguments: <endpoint> <stream> <group> <worker id>.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConsumerWorker, EddyLeaseStore } from '../../dist/consumer/index.js';

const [endpoint, streamName, groupName, workerId] = process.argv.slice(2);
const kinesis = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 8 }) }),
});
let processed = 0;
const worker = new ConsumerWorker({
  streamName,
  workerId,
  kinesis,
  leaseStore: new EddyLeaseStore({ endpoint, groupName, streamName }),
  failoverTimeMs: 10_000,
  leaseTakingIntervalMs: 1000,
  idleTimeBetweenReadsMs: 200,
  processorFactory: () => ({
    async processRecords({ records, checkpointer }) {
      processed += records.length;
      await checkpointer.checkpoint();
      process.send({ processed });
    },
  }),
});
process.on('message', async (m) => {
  if (m === 'stop') {
    await worker.shutdown();
    kinesis.destroy();
    process.exit(0);
  }
});
await worker.start();
process.send({ started: true, leases: worker.leases });
