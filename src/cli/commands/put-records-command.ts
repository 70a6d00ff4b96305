// put-records: newline-delimited records from a file or stdin, sent in PutRecords batches of up to 500
// records / 5 MiB. Memory holds one batch at a time, plus the answers for the final report.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PutRecordsRequestEntry, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { formatAwsCliJson } from '../aws-output.js';
import { type Command, EXIT } from '../command.js';
import { connectionOptions, kinesisClient, loadSdk } from '../kinesis-client.js';
import { binaryFormatOption, dataOption, streamOptions, streamTarget } from './stream-commands.js';

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;

export const putRecordsCommand: Command = {
  name: 'put-records',
  summary: 'Writes each line of a file (or stdin) as one record, in batches of up to 500.',
  details:
    'Each non-empty line becomes one record. Without --partition-key, the line number is the partition key,\n' +
    'which spreads records over the shards. The answer lists every record in input order, as PutRecords does.\n' +
    'With --aggregate, lines are packed into KPL aggregated records of up to 50 KiB each (as the Kinesis\n' +
    'Producer Library sends them); the answer then lists one entry per aggregated record. Each aggregate is\n' +
    "stored on its first line's shard, and Eddy's readers, the KCL, Lambda and Firehose split it again.",
  options: [
    ...streamOptions,
    { name: 'file', type: 'string', description: "Input file; '-' or omitted reads stdin.", placeholder: 'path' },
    { name: 'partition-key', type: 'string', description: 'One partition key for every record.', placeholder: 'key' },
    binaryFormatOption,
    { name: 'aggregate', type: 'boolean', description: 'Pack the lines into KPL aggregated records.' },
    ...connectionOptions,
  ],
  async run(values, io) {
    const target = streamTarget(values);
    const file = values.file as string | undefined;
    const input = file === undefined || file === '-' ? io.stdin : createReadStream(file);
    const fixedKey = values['partition-key'] as string | undefined;
    const binaryFormat = values['cli-binary-format'] as string | undefined;
    // Loaded only when asked for, so other runs start without protobufjs.
    const aggregator = values.aggregate === true ? new (await import('../../engine/kpl/index.js')).RecordAggregator() : undefined;
    const { PutRecordsCommand } = await loadSdk();
    const client = await kinesisClient(values, io.env);
    const results: PutRecordsResultEntry[] = [];
    let failed = 0;
    let batch: PutRecordsRequestEntry[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const out = await client.send(new PutRecordsCommand({ ...target, Records: batch }));
      failed += out.FailedRecordCount ?? 0;
      results.push(...(out.Records ?? []));
      batch = [];
      batchBytes = 0;
    };
    const add = async (data: Uint8Array, key: string): Promise<void> => {
      const size = data.length + Buffer.byteLength(key);
      if (batch.length === MAX_BATCH_RECORDS || (batch.length > 0 && batchBytes + size > MAX_BATCH_BYTES)) await flush();
      batch.push({ Data: data, PartitionKey: key });
      batchBytes += size;
    };
    try {
      let lineNumber = 0;
      for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        lineNumber++;
        if (line.length === 0) continue;
        const data = dataOption(line, binaryFormat);
        const key = fixedKey ?? String(lineNumber);
        if (aggregator) {
          const full = aggregator.add({ partitionKey: key, data });
          if (full) await add(full.data, full.partitionKey);
        } else await add(data, key);
      }
      const last = aggregator?.flush();
      if (last) await add(last.data, last.partitionKey);
      await flush();
    } finally {
      client.destroy();
    }
    io.stdout.write(formatAwsCliJson({ FailedRecordCount: failed, Records: results }));
    return EXIT.ok;
  },
};
