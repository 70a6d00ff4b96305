// GetRecords and PutRecords answers in JSON, written without an object per record: the same text
// JSON.stringify gives for the structures wire-shapes.ts builds.

import type { GetRecordsResult, PutRecordsEntry } from '../../engine/index.js';
import { type AsciiText, asciiText, JsonBytesWriter } from '../aws-protocol/json-bytes-writer.js';
import { wireChildShard } from './wire-shapes.js';

const RECORDS_OPEN = asciiText('{"Records":[');
const SEQUENCE_NUMBER = asciiText('{"SequenceNumber":"');
const NEXT_SEQUENCE_NUMBER = asciiText(',{"SequenceNumber":"');
const PARTITION_KEY = asciiText('","PartitionKey":');
const MILLIS_BEHIND = asciiText('],"MillisBehindLatest":');
const NEXT_ITERATOR = asciiText(',"NextShardIterator":');
const CHILD_SHARDS = asciiText(',"ChildShards":');
const CLOSE_BRACE = 0x7d;

/** Fixed text and a typical timestamp around each record, beyond its sequence number, data and key. */
const GET_RECORD_OVERHEAD = 96;

export function getRecordsJson(result: GetRecordsResult): Buffer {
  const records = result.records;
  let estimate = 128;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    estimate += GET_RECORD_OVERHEAD + r.sequenceNumber.length + Math.ceil(r.data.length / 3) * 4 + r.partitionKey.length;
  }
  const w = new JsonBytesWriter(estimate);
  w.raw(RECORDS_OPEN);
  // Records of one put share their arrival time, so the text from the end of the sequence number to the
  // start of the data is built once per run of equal times and copied for each record.
  let lastArrival = Number.NaN;
  let arrivalToData: AsciiText = SEQUENCE_NUMBER;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    w.raw(i === 0 ? SEQUENCE_NUMBER : NEXT_SEQUENCE_NUMBER);
    w.ascii(r.sequenceNumber);
    if (r.arrivalTimestamp !== lastArrival) {
      lastArrival = r.arrivalTimestamp;
      arrivalToData = asciiText(`","ApproximateArrivalTimestamp":${String(lastArrival / 1000)},"Data":"`);
    }
    w.raw(arrivalToData);
    w.base64Unquoted(r.data);
    w.raw(PARTITION_KEY);
    w.string(r.partitionKey);
    w.byte(CLOSE_BRACE);
  }
  w.raw(MILLIS_BEHIND);
  w.number(result.millisBehindLatest);
  if (result.nextShardIterator !== null) {
    w.raw(NEXT_ITERATOR);
    w.string(result.nextShardIterator);
  }
  if (result.childShards !== undefined) {
    w.raw(CHILD_SHARDS);
    w.json(JSON.stringify(result.childShards.map(wireChildShard)));
  }
  w.byte(CLOSE_BRACE);
  return w.finish();
}

/** `","ShardId":"…"}` for each shard id seen lately; a stream has few shards, so the bound is rarely hit. */
const shardIdTexts = new Map<string, string>();
const SHARD_ID_TEXTS = 1024;

function shardIdText(shardId: string): string {
  let text = shardIdTexts.get(shardId);
  if (text === undefined) {
    if (shardIdTexts.size >= SHARD_ID_TEXTS) shardIdTexts.clear();
    text = `","ShardId":${JSON.stringify(shardId)}}`;
    shardIdTexts.set(shardId, text);
  }
  return text;
}

/**
 * The answer is joined from string pieces rather than written byte by byte: the store's sequence numbers
 * are concatenated strings, and join() copies them in one pass where reading them a character at a time
 * first flattens each into a new string.
 */
export function putRecordsJson(entries: readonly PutRecordsEntry[], failed: number): string {
  const n = entries.length;
  const parts: string[] = [`{"FailedRecordCount":${failed},"Records":[`];
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    if ('errorCode' in e) {
      parts.push(i === 0 ? '{"ErrorCode":' : ',{"ErrorCode":', JSON.stringify(e.errorCode), ',"ErrorMessage":', JSON.stringify(e.errorMessage), '}');
    } else {
      parts.push(i === 0 ? '{"SequenceNumber":"' : ',{"SequenceNumber":"', e.sequenceNumber, shardIdText(e.shardId));
    }
  }
  parts.push(']}');
  // Text, not bytes: the transport encodes it into its own write buffer, so no buffer is allocated here.
  return parts.join('');
}
