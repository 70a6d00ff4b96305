// Query results reach files: INSERT INTO writes windowed results to a stream, a Firehose delivery stream
// (created with the AWS SDK) reads it and writes Parquet using the stream's SQL schema, and a clean
// shutdown of the engine flushes everything. The files, read back with DuckDB, hold every result once.
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, expectSameRows, FIRST_SHARD_KEY, LAST_SHARD_KEY, Oracle, prng, putAll, startEddy, tempDir } from './e2e-harness.js';

const T0 = Date.parse('2024-06-01T10:00:00Z');

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.open();
});
afterAll(() => oracle.close());

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('results to files', () => {
  it('delivers INSERT INTO results as Parquet with the SQL schema, flushed by a clean shutdown', async () => {
    const dir = await tempDir();
    try {
      const eddy = await startEddy({ dataDir: dir.path });
      let closed = false;
      try {
        await eddy.sql(`CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (shards = 2);
          CREATE STREAM minute_totals (user_id VARCHAR, minute_end TIMESTAMP, total DOUBLE, n BIGINT) WITH (shards = 1)`);
        const firehose = new FirehoseClient({ endpoint: eddy.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
        await firehose.send(
          new CreateDeliveryStreamCommand({
            DeliveryStreamName: 'totals-to-lake',
            DeliveryStreamType: 'KinesisStreamAsSource',
            KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/minute_totals', RoleARN: 'arn:aws:iam::000000000000:role/r' },
            ExtendedS3DestinationConfiguration: {
              RoleARN: 'arn:aws:iam::000000000000:role/r',
              BucketARN: 'arn:aws:s3:::lake',
              Prefix: 'totals/',
              ErrorOutputPrefix: 'errors/',
              BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 900 },
              DataFormatConversionConfiguration: {
                Enabled: true,
                SchemaConfiguration: { DatabaseName: 'eddy', TableName: 'minute_totals', RoleARN: 'arn:aws:iam::000000000000:role/r' },
                InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
                OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
              },
            },
          }),
        );
        firehose.destroy();
        const [insert] = await eddy.sql(`INSERT INTO minute_totals
          SELECT user_id, window_end, SUM(amount), COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
          GROUP BY window_start, window_end, user_id`);

        const random = prng(5);
        const users = ['ana', 'bo', 'cy', 'dee'];
        const data = Array.from({ length: 300 }, (_v, i) => ({
          user_id: users[Math.floor(random() * users.length)]!,
          amount: Math.round(random() * 10_000) / 100,
          ts_ms: T0 + i * 1000 - Math.floor(random() * 4000),
        }));
        await putAll(eddy.kinesis, 'clicks', data.map((c) => ({ key: c.user_id, data: { user_id: c.user_id, amount: c.amount, ts: new Date(c.ts_ms).toISOString() } })));
        await putAll(
          eddy.kinesis,
          'clicks',
          [FIRST_SHARD_KEY, LAST_SHARD_KEY].map((hashKey) => ({ key: 'advance', hashKey, data: { user_id: 'advance', amount: 0, ts: new Date(T0 + 3_600_000).toISOString() } })),
        );

        await oracle.load('clicks', { ts_ms: 'BIGINT', user_id: 'VARCHAR', amount: 'DOUBLE' }, data);
        const expected = await oracle.rows(`SELECT user_id, (ts_ms // 60000) * 60000 + 60000 AS minute_end_ms, sum(amount) AS total, count(*) AS n
          FROM clicks GROUP BY user_id, (ts_ms // 60000) * 60000`);

        // Wait for the INSERT's rows to be in the stream: the engine's clean shutdown then delivers them all.
        const cursor = eddy.engine.store.openCursor('minute_totals', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
        let written = 0;
        while (written < expected.length) {
          written += (await cursor.read()).records.length;
          if (written < expected.length) await cursor.waitForRecords();
        }
        cursor.close();
        expect(written).toBe(expected.length);
        expect((await eddy.http('GET', `/v1/queries/${insert.query.id}`)).json.outputRows).toBe(expected.length);

        await eddy.close();
        closed = true;
        const parquet = filesUnder(join(dir.path, 'files', 'lake'));
        expect(parquet.length).toBeGreaterThan(0);
        expect(parquet.every((p) => p.includes(`${join('lake', 'totals')}`) && p.endsWith('.parquet'))).toBe(true);
        const delivered = await oracle.rows(
          `SELECT user_id, epoch_ms(minute_end) AS minute_end_ms, total, n FROM read_parquet([${parquet.map((p) => `'${p}'`).join(', ')}])`,
        );
        expectSameRows(delivered, expected, ['user_id', 'minute_end']);
      } finally {
        if (!closed) await eddy.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
