// INSERT INTO's sink: result batches written from their columns give the records their rows give
// (data, partition key from a column or random, arrival time from a column), and results the column
// path cannot write (a changelog, CSV, names a row object reorders) go as rows, unchanged.
import { describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { arrowSchema, makeBatch } from '../../../src/engine/batch/arrow-types.js';
import { columnToArrow, makeColumn } from '../../../src/engine/batch/column.js';
import { batchToRows } from '../../../src/engine/batch/rows.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { InternalPutOptions, PutRecordInput, PutRecordsEntry } from '../../../src/engine/stream/stream-store.js';
import { StreamSink, type PutTarget } from '../../../src/engine/query/stream-sink.js';

/** Keeps what is put, answering every record as written. */
class Recorder implements PutTarget {
  readonly records: { partitionKey: string; text: string; arrival: number | undefined }[] = [];
  async putRecords(_stream: string, records: readonly PutRecordInput[], internal?: InternalPutOptions): Promise<PutRecordsEntry[]> {
    records.forEach((r, i) => this.records.push({ partitionKey: r.partitionKey, text: new TextDecoder().decode(r.data), arrival: internal?.arrivalTimestamps?.[i] }));
    return records.map(() => ({ shardId: 'shardId-000000000000', sequenceNumber: '1' }));
  }
}

const N = 1203;
const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'n', type: 'BIGINT' },
  { name: 'amount', type: 'DECIMAL(10, 2)' },
  { name: 'at', type: 'TIMESTAMP' },
];
const T0 = Date.UTC(2024, 5, 1, 10);

function batch(from: number, count: number): RecordBatch {
  const valid = Uint8Array.from({ length: count }, (_, i) => ((from + i) % 7 === 3 ? 0 : 1));
  return makeBatch(
    arrowSchema(columns),
    [
      columnToArrow(makeColumn('VARCHAR', Array.from({ length: count }, (_, i) => ((from + i) % 5 === 0 ? '' : `u${(from + i) % 13}`)), valid)),
      columnToArrow(makeColumn('BIGINT', Float64Array.from({ length: count }, (_, i) => from + i), valid)),
      columnToArrow(makeColumn('DECIMAL(10, 2)', BigInt64Array.from({ length: count }, (_, i) => BigInt((from + i) * 101)), null)),
      columnToArrow(makeColumn('TIMESTAMP', Float64Array.from({ length: count }, (_, i) => T0 + from + i), null)),
    ],
    count,
  );
}
const batches = [batch(0, 700), batch(700, 3), batch(703, 500)];

/** The records a sink writes of the batches, from the columns and from their rows. */
async function bothWays(make: (target: PutTarget) => StreamSink, cols: readonly ColumnSchema[] = columns, of: readonly RecordBatch[] = batches) {
  const [fromColumns, fromRows] = [new Recorder(), new Recorder()];
  await make(fromColumns).writeBatches(of, cols);
  await make(fromRows).write(of.flatMap((b) => batchToRows(b, cols)));
  return { fromColumns: fromColumns.records, fromRows: fromRows.records };
}

/** Random partition keys differ run to run: they are compared by shape. */
const keyShape = (k: string) => (/^[0-9a-f-]{36}$/.test(k) ? 'random' : k);

describe('StreamSink', () => {
  it('writes batches from their columns as it writes their rows, with a random key per record', async () => {
    const { fromColumns, fromRows } = await bothWays((t) => new StreamSink(t, 'out', undefined));
    expect(fromColumns).toHaveLength(N);
    expect(fromColumns.map((r) => r.text)).toEqual(fromRows.map((r) => r.text));
    expect(new Set(fromColumns.map((r) => r.partitionKey)).size).toBe(N);
    expect(fromColumns.every((r) => keyShape(r.partitionKey) === 'random' && r.arrival === undefined)).toBe(true);
    expect(JSON.parse(fromColumns[1]!.text)).toEqual({ user_id: 'u1', n: 1, amount: 1.01, at: '2024-06-01T10:00:00.001Z' });
  });

  it('takes the partition key from its column (random where it is NULL or empty) and the arrival time from a TIMESTAMP column it leaves out', async () => {
    for (const keyColumn of ['user_id', 'n']) {
      const { fromColumns, fromRows } = await bothWays((t) => new StreamSink(t, 'out', keyColumn, undefined, 'json', 'at'));
      expect(fromColumns.map((r) => [r.text, keyShape(r.partitionKey), r.arrival])).toEqual(fromRows.map((r) => [r.text, keyShape(r.partitionKey), r.arrival]));
      expect(fromColumns[1]).toMatchObject({ partitionKey: keyColumn === 'n' ? '1' : 'u1', arrival: T0 + 1 });
      expect(JSON.parse(fromColumns[1]!.text)).toEqual({ user_id: 'u1', n: 1, amount: 1.01 });
    }
  });

  it('writes as rows what the columns cannot: a changelog, CSV, a key column of another type, names a row object reorders', async () => {
    const cases: [string, (t: PutTarget) => StreamSink, readonly ColumnSchema[]][] = [
      ['changelog', (t) => new StreamSink(t, 'out', undefined, ['user_id']), columns],
      ['csv', (t) => new StreamSink(t, 'out', undefined, undefined, 'csv'), columns],
      ['timestamp key', (t) => new StreamSink(t, 'out', 'at'), columns],
      ['index name', (t) => new StreamSink(t, 'out', 'user_id'), columns.map((c, i) => (i === 1 ? { ...c, name: '7' } : c))],
    ];
    for (const [what, make, cols] of cases) {
      const { fromColumns, fromRows } = await bothWays(make, cols);
      expect(fromColumns.map((r) => [r.text, keyShape(r.partitionKey)]), what).toEqual(fromRows.map((r) => [r.text, keyShape(r.partitionKey)]));
    }
  });

  it('writes each record its own bytes whether the texts of a batch are all ASCII or not', async () => {
    const text: ColumnSchema[] = [{ name: 'name', type: 'VARCHAR' }];
    const of = (values: string[]) => makeBatch(arrowSchema(text), [columnToArrow(makeColumn('VARCHAR', values, null))], values.length);
    const ascii = Array.from({ length: 1100 }, (_, i) => `n${i}`);
    const mixed = ascii.map((v, i) => (i % 97 === 5 ? `${v}-é-😀` : v));
    const { fromColumns, fromRows } = await bothWays((t) => new StreamSink(t, 'out', undefined), text, [of(ascii), of(mixed)]);
    expect(fromColumns.map((r) => r.text)).toEqual(fromRows.map((r) => r.text));
    expect(JSON.parse(fromColumns[1100 + 5]!.text)).toEqual({ name: 'n5-é-😀' });
    expect(JSON.parse(fromColumns[1099]!.text)).toEqual({ name: 'n1099' });
  });
});
