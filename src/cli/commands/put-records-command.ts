// put-records: newline-delimited records from a file or stdin, sent in PutRecords batches of up to 500
// records / 5 MiB. Memory holds one batch at a time, plus the answers for the final report.

import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import type { PutRecordsRequestEntry, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { formatAwsCliJson } from '../aws-output.js';
import { UsageError } from '../cli-options.js';
import { type Command, EXIT } from '../command.js';
import { connectionOptions, kinesisClient, loadSdk } from '../kinesis-client.js';
import { binaryFormatOption, dataOption, streamOptions, streamTarget } from './stream-commands.js';

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
/** As the KPL's RecordTtl: how long a throttled record is retried before it counts as failed. */
const DEFAULT_RETRY_SECONDS = 30;
/** Errors a record is sent again for: the shard is busy, not the record wrong. */
const RETRIED_ERRORS = new Set(['ProvisionedThroughputExceededException', 'InternalFailure']);

/** Exponential backoff with jitter, from about 100 ms to at most 2 s (a shard's limits are per second). */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(2000, 100 * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export const putRecordsCommand: Command = {
  name: 'put-records',
  summary: 'Writes each line of a file (or stdin) as one record, in batches of up to 500.',
  details:
    'Each non-empty line becomes one record. Without --partition-key, the line number is the partition key,\n' +
    'which spreads records over the shards. The answer lists every record in input order, as PutRecords does.\n' +
    'Records a shard throttles (ProvisionedThroughputExceededException: past 1,000 records or 1 MiB a second per\n' +
    'shard) are sent again with exponential backoff, as the Kinesis Producer Library does, for up to --retry-for\n' +
    'seconds; those still refused then are listed with their error.\n' +
    'With --aggregate, lines are packed into KPL aggregated records of up to 50 KiB each (as the Kinesis\n' +
    'Producer Library sends them); the answer then lists one entry per aggregated record. Each aggregate is\n' +
    "stored on its first line's shard, and Eddy's readers, the KCL, Lambda and Firehose split it again.",
  options: [
    ...streamOptions,
    { name: 'file', type: 'string', description: "Input file; '-' or omitted reads stdin.", placeholder: 'path' },
    { name: 'partition-key', type: 'string', description: 'One partition key for every record.', placeholder: 'key' },
    binaryFormatOption,
    { name: 'aggregate', type: 'boolean', description: 'Pack the lines into KPL aggregated records.' },
    {
      name: 'retry-for',
      type: 'integer',
      description: 'Seconds to keep sending throttled records again, with backoff, before reporting them as failed (0: send each batch once).',
      defaultText: String(DEFAULT_RETRY_SECONDS),
      placeholder: 'seconds',
    },
    ...connectionOptions,
  ],
  async run(values, io) {
    const target = streamTarget(values);
    const file = values.file as string | undefined;
    const input = file === undefined || file === '-' ? io.stdin : createReadStream(file);
    const fixedKey = values['partition-key'] as string | undefined;
    const retryForSeconds = (values['retry-for'] as number | undefined) ?? DEFAULT_RETRY_SECONDS;
    if (retryForSeconds < 0) throw new UsageError(`argument --retry-for: ${retryForSeconds} must be 0 or more seconds`);
    const retryForMs = retryForSeconds * 1000;
    const binaryFormat = values['cli-binary-format'] as string | undefined;
    // Loaded only when asked for, so other runs start without protobufjs.
    const aggregator = values.aggregate === true ? new (await import('../../engine/kpl/index.js')).RecordAggregator() : undefined;
    const { PutRecordsCommand } = await loadSdk();
    const client = await kinesisClient(values, io.env);
    const results: PutRecordsResultEntry[] = [];
    let failed = 0;
    let batch: PutRecordsRequestEntry[] = [];
    let batchBytes = 0;
    let retried = 0;
    let rounds = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const answers: PutRecordsResultEntry[] = new Array(batch.length);
      // Positions in `batch` still to send; a throttled record is sent again, the others are answered.
      let pending = batch.map((_r, i) => i);
      const deadline = performance.now() + retryForMs;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const out = await client.send(new PutRecordsCommand({ ...target, Records: pending.map((i) => batch[i]!) }));
        const again: number[] = [];
        (out.Records ?? []).forEach((r, j) => {
          const i = pending[j]!;
          answers[i] = r;
          if (r.ErrorCode !== undefined && RETRIED_ERRORS.has(r.ErrorCode)) again.push(i);
        });
        const wait = backoffMs(attempt);
        if (again.length === 0 || performance.now() + wait > deadline) break;
        retried += again.length;
        rounds = Math.max(rounds, attempt + 1);
        await sleep(wait);
        pending = again;
      }
      for (const a of answers) if (a.ErrorCode !== undefined) failed++;
      results.push(...answers);
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
    if (retried > 0) {
      io.stderr.write(
        `Sent ${retried} record${retried === 1 ? '' : 's'} again after the stream throttled them (ProvisionedThroughputExceededException: ` +
          `each shard takes 1,000 records or 1 MiB a second), in up to ${rounds} retr${rounds === 1 ? 'y' : 'ies'} per batch; ${failed} failed in the end.\n`,
      );
    }
    io.stdout.write(formatAwsCliJson({ FailedRecordCount: failed, Records: results }));
    return EXIT.ok;
  },
};
