// GetRecords and PutRecords answers in JSON, written straight to bytes: the same text JSON.stringify gives
// for the structures wire-shapes.ts builds, with no object per record on the way.

import type { GetRecordsResult, PutRecordsEntry } from '../../engine/index.js';
import { asciiBytes, JsonBytesWriter } from '../aws-protocol/json-bytes-writer.js';
import { wireChildShard } from './wire-shapes.js';

const RECORDS_OPEN = asciiBytes('{"Records":[');
const SEQUENCE_NUMBER = asciiBytes('{"SequenceNumber":"');
const NEXT_SEQUENCE_NUMBER = asciiBytes(',{"SequenceNumber":"');
const PARTITION_KEY = asciiBytes('","PartitionKey":');
const MILLIS_BEHIND = asciiBytes('],"MillisBehindLatest":');
const NEXT_ITERATOR = asciiBytes(',"NextShardIterator":');
const CHILD_SHARDS = asciiBytes(',"ChildShards":');
const FAILED_COUNT = asciiBytes('{"FailedRecordCount":');
const PUT_RECORDS = asciiBytes(',"Records":[');
const ERROR_CODE = asciiBytes('{"ErrorCode":');
const ERROR_MESSAGE = asciiBytes(',"ErrorMessage":');
const LIST_CLOSE = asciiBytes(']}');
const COMMA = 0x2c;
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
  let arrivalToData = SEQUENCE_NUMBER;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    w.raw(i === 0 ? SEQUENCE_NUMBER : NEXT_SEQUENCE_NUMBER);
    w.ascii(r.sequenceNumber);
    if (r.arrivalTimestamp !== lastArrival) {
      lastArrival = r.arrivalTimestamp;
      arrivalToData = asciiBytes(`","ApproximateArrivalTimestamp":${String(lastArrival / 1000)},"Data":"`);
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
const shardIdTexts = new Map<string, Uint8Array>();
const SHARD_ID_TEXTS = 1024;

function shardIdText(shardId: string): Uint8Array {
  let text = shardIdTexts.get(shardId);
  if (text === undefined) {
    if (shardIdTexts.size >= SHARD_ID_TEXTS) shardIdTexts.clear();
    text = asciiBytes(`","ShardId":"${shardId}"}`);
    shardIdTexts.set(shardId, text);
  }
  return text;
}

/** Sequence number, shard id and the text around them for one stored entry. */
const PUT_ENTRY_BYTES = 96;

export function putRecordsJson(entries: readonly PutRecordsEntry[], failed: number): Buffer {
  const w = new JsonBytesWriter(64 + entries.length * PUT_ENTRY_BYTES);
  w.raw(FAILED_COUNT);
  w.number(failed);
  w.raw(PUT_RECORDS);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (i > 0) w.byte(COMMA);
    if ('errorCode' in e) {
      w.raw(ERROR_CODE);
      w.string(e.errorCode);
      w.raw(ERROR_MESSAGE);
      w.string(e.errorMessage);
      w.byte(CLOSE_BRACE);
    } else {
      w.raw(SEQUENCE_NUMBER);
      w.ascii(e.sequenceNumber);
      w.raw(shardIdText(e.shardId));
    }
  }
  w.raw(LIST_CLOSE);
  return w.finish();
}
