// INSERT INTO: result rows written as JSON records to another stream, so queries chain. The partition
// key is a column's value or, without one, random (spreading rows over the shards). A changelog's rows
// carry their kind as `_op` (plan/changelog.ts); their partition key is the row's key columns, so every
// change of one result lands on one shard, in order, and a reader sees each -U just before its +U.
import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import { batchToRows, type Row } from '../batch/rows.js';
import { columnFromArrow } from '../batch/column.js';
import { toJson } from '../batch/json-text.js';
import { jsonRows, jsonRowsMatchRowObjects } from '../batch/json-rows.js';
import type { ColumnSchema } from '../plan/schema.js';
import type { InternalPutOptions, PutRecordInput, PutRecordsEntry } from '../stream/stream-store.js';
import { EddyError } from '../errors.js';
import type { SinkRecordFormat } from '../plan/plan.js';

/** PutRecords accepts at most this many records per call. */
const MAX_RECORDS_PER_PUT = 500;
const MAX_ATTEMPTS = 8;

/** Where a sink's records go: the stream store, or a connector's other system (see engine/connectors/). */
export interface PutTarget {
  putRecords(streamName: string, records: readonly PutRecordInput[], internal?: InternalPutOptions): Promise<PutRecordsEntry[]>;
}
/** The partition key of a changelog's rows when they have no key columns: one shard keeps them in order. */
export const CHANGELOG_PARTITION_KEY = 'changelog';

export class StreamSink {
  private readonly encoder = new TextEncoder();
  /** columnPlan of the columns last written. */
  private planned: { readonly columns: readonly ColumnSchema[]; readonly plan: ReturnType<StreamSink['columnPlan']> } | undefined;

  /**
   * `changelogKeys`: for a changelog, the output columns that identify a result (empty when they are not
   * all selected); absent for append-only results. `arrivalTimeColumn`: a TIMESTAMP column that is each
   * record's arrival time instead of a value of the record (SinkSpec.arrivalTimeColumn).
   */
  constructor(
    private readonly store: PutTarget,
    readonly stream: string,
    private readonly partitionKeyColumn: string | undefined,
    private readonly changelogKeys?: readonly string[],
    private readonly recordFormat: SinkRecordFormat = 'json',
    private readonly arrivalTimeColumn?: string,
  ) {}

  /**
   * Writes the batches' rows (of `columns`). Append-only JSON results go straight from the columns to
   * record texts (jsonRows), the same texts toJson writes of their row objects; the rest as rows.
   */
  async writeBatches(batches: readonly RecordBatch[], columns: readonly ColumnSchema[]): Promise<void> {
    // A query's output columns do not change: the plan is worked out for the first delivery, not each.
    if (this.planned?.columns !== columns) this.planned = { columns, plan: this.columnPlan(columns) };
    const plan = this.planned.plan;
    if (plan === undefined) {
      await this.write(batches.flatMap((b) => batchToRows(b, columns)));
      return;
    }
    for (const batch of batches) {
      const texts = jsonRows(batch, columns, { timestamps: 'iso', nonFinite: 'null', ...(plan.arrival === undefined ? {} : { skip: plan.arrival }) });
      const keys = plan.key === undefined ? undefined : columnFromArrow(batch.data.children[plan.key]!, columns[plan.key]!.type);
      const arrivals = plan.arrival === undefined ? undefined : columnFromArrow(batch.data.children[plan.arrival]!, 'TIMESTAMP');
      for (let from = 0; from < texts.length; from += MAX_RECORDS_PER_PUT) {
        const to = Math.min(texts.length, from + MAX_RECORDS_PER_PUT);
        const records: PutRecordInput[] = new Array(to - from);
        const data = utf8Each(this.encoder, texts, from, to);
        for (let i = from; i < to; i++) {
          const key = keys === undefined || (keys.valid && !keys.valid[i]) ? '' : String(keys.values[i]);
          records[i - from] = { partitionKey: key === '' ? randomUUID() : key.slice(0, 256), data: data[i - from]! };
        }
        if (arrivals === undefined) {
          await this.put(records);
          continue;
        }
        const times: number[] = new Array(to - from);
        for (let i = from; i < to; i++) {
          if (arrivals.valid && !arrivals.valid[i]) arrivalOf(null, columns[plan.arrival!]!.name);
          times[i - from] = arrivals.values[i] as number;
        }
        await putWithRetries(this.store, this.stream, records, 'result records', times);
      }
    }
  }

  /**
   * Where the partition key and the arrival time of each record are (column indexes), when the rows can be
   * written from the columns: append-only JSON, a partition key column whose values are text or whole
   * numbers, names a row object keeps as they are. Undefined: write rows.
   */
  private columnPlan(columns: readonly ColumnSchema[]): { key: number | undefined; arrival: number | undefined } | undefined {
    if (this.recordFormat !== 'json' || this.changelogKeys !== undefined) return undefined;
    if (!jsonRowsMatchRowObjects(columns)) return undefined;
    const arrival = this.arrivalTimeColumn === undefined ? undefined : columns.findIndex((c) => c.name === this.arrivalTimeColumn);
    if (arrival === -1 || (arrival !== undefined && columns[arrival]!.type !== 'TIMESTAMP')) return undefined;
    if (this.partitionKeyColumn === undefined) return { key: undefined, arrival };
    const key = columns.findIndex((c) => c.name === this.partitionKeyColumn);
    const type = columns[key]?.type;
    if (type !== 'VARCHAR' && type !== 'INT' && type !== 'BIGINT') return undefined;
    return { key, arrival };
  }

  async write(rows: readonly Row[]): Promise<void> {
    for (let i = 0; i < rows.length; i += MAX_RECORDS_PER_PUT) {
      const chunk = rows.slice(i, i + MAX_RECORDS_PER_PUT);
      if (this.arrivalTimeColumn === undefined) {
        await this.put(chunk.map((row) => this.record(row)));
        continue;
      }
      const column = this.arrivalTimeColumn;
      const arrivals: number[] = [];
      const records = chunk.map((row) => {
        const { [column]: time, ...rest } = row;
        arrivals.push(arrivalOf(time, column));
        return this.record(rest);
      });
      await putWithRetries(this.store, this.stream, records, 'result records', arrivals);
    }
  }

  private record(row: Row): PutRecordInput {
    const text = this.recordFormat === 'csv' ? csvLine(row) : toJson(row);
    return { partitionKey: this.partitionKey(row), data: this.encoder.encode(text) };
  }

  private partitionKey(row: Row): string {
    if (this.partitionKeyColumn === undefined && this.changelogKeys !== undefined) {
      if (this.changelogKeys.length === 0) return CHANGELOG_PARTITION_KEY;
      return toJson(this.changelogKeys.map((k) => row[k] ?? null)).slice(0, 256);
    }
    const key = this.partitionKeyColumn === undefined ? null : row[this.partitionKeyColumn];
    return key === null || key === undefined || key === '' ? randomUUID() : String(key).slice(0, 256);
  }

  private put(records: PutRecordInput[]): Promise<void> {
    return putWithRetries(this.store, this.stream, records, 'result records');
  }
}

/**
 * A row as one CSV line (RFC 4180 quoting: a field holding a comma, quote or line break is quoted, its
 * quotes doubled), its columns in order, NULL as an empty field, ending with a line feed.
 */
export function csvLine(row: Row): string {
  const fields: string[] = [];
  for (const value of Object.values(row)) {
    if (value === null) fields.push('');
    else {
      const text = String(value);
      fields.push(/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    }
  }
  return `${fields.join(',')}\n`;
}

/** A row's arrival time: its TIMESTAMP column (ISO 8601 text, as rows carry it), epoch ms. */
function arrivalOf(value: Row[string] | undefined, column: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
  if (!Number.isFinite(ms)) throw new EddyError('InternalFailure', `the arrival time column '${column}' of a result row holds ${String(value)}, not a time`, 'internal');
  return ms;
}

/**
 * Puts records a query writes (results, bad records), retrying those a shard refused (throttling) with
 * backoff; what is still refused after a few attempts fails the query. At most 500 records.
 * `arrivalTimestamps`: each record's arrival time (an application's pump, see InternalPutOptions).
 */
export async function putWithRetries(store: PutTarget, stream: string, records: PutRecordInput[], what: string, arrivalTimestamps?: readonly number[]): Promise<void> {
  let pending = records;
  let arrivals = arrivalTimestamps;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const results = await (arrivals === undefined ? store.putRecords(stream, pending) : store.putRecords(stream, pending, { arrivalTimestamps: arrivals }));
    const retry: PutRecordInput[] = [];
    const retryArrivals: number[] = [];
    let lastError = '';
    results.forEach((r, i) => {
      if ('errorCode' in r) {
        retry.push(pending[i]!);
        if (arrivals !== undefined) retryArrivals.push(arrivals[i]!);
        lastError = `${r.errorCode}: ${r.errorMessage}`;
      }
    });
    if (retry.length === 0) return;
    if (attempt + 1 >= MAX_ATTEMPTS) {
      throw new EddyError('ServiceUnavailableException', `could not write ${retry.length} ${what} to stream '${stream}' (${lastError})`, 'external');
    }
    await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
    pending = retry;
    if (arrivals !== undefined) arrivals = retryArrivals;
  }
}

/**
 * The UTF-8 bytes of texts[from … to), each a view of one buffer: one encoding for them all rather than
 * one per record, each of those a buffer of its own for the garbage collector to track (most of what
 * writing a result row cost). Texts are JSON, nearly always ASCII, where a text's bytes are as many as
 * its characters; otherwise (the whole is longer in bytes) each is encoded on its own.
 */
function utf8Each(encoder: { encode(text: string): Uint8Array }, texts: readonly string[], from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = new Array(to - from);
  const joined = from === 0 && to === texts.length ? texts.join('') : texts.slice(from, to).join('');
  const bytes = encoder.encode(joined);
  if (bytes.length !== joined.length) {
    for (let i = from; i < to; i++) out[i - from] = encoder.encode(texts[i]!);
    return out;
  }
  let at = bytes.byteOffset;
  for (let i = from; i < to; i++) {
    const length = texts[i]!.length;
    out[i - from] = new Uint8Array(bytes.buffer, at, length);
    at += length;
  }
  return out;
}
