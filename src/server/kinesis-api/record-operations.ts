// PutRecord, PutRecords, GetShardIterator, GetRecords: the data plane.

import { EddyError, type PutRecordInput, type ShardPosition } from '../../engine/index.js';
import { type AwsOperation, EncodedResponse, operation } from '../aws-protocol/aws-json-service.js';
import { blob, integer, list, required, string, structure, timestamp } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { hashKey, partitionKey, sequenceNumber, shardId, shardIteratorType, streamARN, streamTargetMembers, targetStreamName } from './kinesis-shapes.js';
import { resolveStreamName } from './stream-target.js';
import { putRecordsFromBody } from './put-records-body.js';
import { fastPutRecordsInput } from './put-records-input.js';
import { getRecordsJson, putRecordsJson } from './record-answers-json.js';
import { wireChildShard, wireRecords } from './wire-shapes.js';

/**
 * A record's data: 1 MiB, Kinesis's record size (data and partition key), as its model had it before streams
 * could be given larger records (the model now says 10 MiB, which Eddy's streams never take).
 */
const MAX_DATA_BYTES = 1024 * 1024;
const PUT_RECORDS_MAX_RECORDS = 500;
/** How AWS quotes a PutRecords entry in a validation message (Java's default toString of its model class). */
const PUT_RECORDS_ENTRY = 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310';

const EITHER_OR = 'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber.';

type IteratorType = 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/** Turns GetShardIterator/SubscribeToShard arguments into a store position, with Kinesis's wording for mistakes. */
export function shardPosition(type: IteratorType, startingSequenceNumber: string | undefined, timestampMs: number | undefined): ShardPosition {
  switch (type) {
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      if (startingSequenceNumber === undefined) {
        throw new EddyError('InvalidArgumentException', `${EITHER_OR} Request specified ${type} and no StartingSequenceNumber.`);
      }
      return { type, sequenceNumber: startingSequenceNumber };
    case 'AT_TIMESTAMP':
      if (timestampMs === undefined) {
        throw new EddyError(
          'InvalidArgumentException',
          'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
        );
      }
      return { type, timestamp: timestampMs };
    case 'TRIM_HORIZON':
    case 'LATEST':
      if (startingSequenceNumber !== undefined) {
        throw new EddyError('InvalidArgumentException', `${EITHER_OR} Request specified ${type} and also a StartingSequenceNumber.`);
      }
      return { type };
    default: {
      const never: never = type;
      throw new Error(`unknown iterator type ${String(never)}`);
    }
  }
}

export function recordOperations({ store }: KinesisApiDeps): Record<string, AwsOperation> {
  const putRecord = operation(
    structure({
      SequenceNumberForOrdering: sequenceNumber(),
      PartitionKey: required(partitionKey()),
      ExplicitHashKey: hashKey(),
      Data: required(blob({ max: MAX_DATA_BYTES })),
      ...streamTargetMembers(),
    }),
    async (input) => {
      const record: PutRecordInput =
        input.ExplicitHashKey !== undefined
          ? { partitionKey: input.PartitionKey, data: input.Data, explicitHashKey: input.ExplicitHashKey }
          : { partitionKey: input.PartitionKey, data: input.Data };
      const options = input.SequenceNumberForOrdering !== undefined ? { sequenceNumberForOrdering: input.SequenceNumberForOrdering } : undefined;
      const result = await store.putRecord(resolveStreamName(store, input), record, options);
      return { ShardId: result.shardId, SequenceNumber: result.sequenceNumber };
    },
  );

  const putRecords = operation(
    structure({
      Records: required(
        list(
          structure(
            { PartitionKey: required(partitionKey()), ExplicitHashKey: hashKey(), Data: required(blob({ max: MAX_DATA_BYTES })) },
            { javaName: PUT_RECORDS_ENTRY },
          ),
          { min: 1, max: PUT_RECORDS_MAX_RECORDS },
        ),
      ),
      ...streamTargetMembers(),
    }),
    async (input, { codec }) => {
      const n = input.Records.length;
      const records = new Array<PutRecordInput>(n);
      for (let i = 0; i < n; i++) {
        const r = input.Records[i]!;
        records[i] =
          r.ExplicitHashKey !== undefined
            ? { partitionKey: r.PartitionKey, data: r.Data, explicitHashKey: r.ExplicitHashKey }
            : { partitionKey: r.PartitionKey, data: r.Data };
      }
      const entries = await store.putRecords(resolveStreamName(store, input), records);
      let failed = 0;
      for (let i = 0; i < entries.length; i++) if ('errorCode' in entries[i]!) failed++;
      if (codec.format === 'json') return new EncodedResponse(putRecordsJson(entries, failed));
      const out = entries.map((e) =>
        'errorCode' in e ? { ErrorCode: e.errorCode, ErrorMessage: e.errorMessage } : { SequenceNumber: e.sequenceNumber, ShardId: e.shardId },
      );
      return { FailedRecordCount: failed, Records: out };
    },
    fastPutRecordsInput(structure(streamTargetMembers()), PUT_RECORDS_MAX_RECORDS, MAX_DATA_BYTES),
    putRecordsFromBody(structure(streamTargetMembers()), PUT_RECORDS_MAX_RECORDS, MAX_DATA_BYTES),
  );

  const getShardIterator = operation(
    structure({
      ShardId: required(shardId()),
      ShardIteratorType: required(shardIteratorType()),
      StartingSequenceNumber: sequenceNumber(),
      StreamName: targetStreamName(),
      Timestamp: timestamp(),
      StreamARN: streamARN(),
    }),
    (input) => {
      // Worked out once the stream and shard are found: Kinesis reports their absence first.
      const position = () => shardPosition(input.ShardIteratorType, input.StartingSequenceNumber, input.Timestamp);
      return { ShardIterator: store.getShardIterator(resolveStreamName(store, input), input.ShardId, position) };
    },
  );

  const getRecords = operation(
    structure({ Limit: integer({ min: 1, max: 10000 }), ShardIterator: required(string({ min: 1, max: 512 })), StreamARN: streamARN() }),
    async (input, { codec }) => {
      // The iterator says which stream it reads; a StreamARN beside it must name that same stream.
      const options = input.StreamARN !== undefined ? { streamName: store.streamNameFromArn(input.StreamARN) } : undefined;
      const result = await store.getRecords(input.ShardIterator, input.Limit, options);
      if (codec.format === 'json') return new EncodedResponse(getRecordsJson(result));
      const out: Record<string, unknown> = {
        Records: wireRecords(result.records, codec),
        MillisBehindLatest: result.millisBehindLatest,
      };
      if (result.nextShardIterator !== null) out.NextShardIterator = result.nextShardIterator;
      if (result.childShards !== undefined) out.ChildShards = result.childShards.map(wireChildShard);
      return out;
    },
  );

  return { PutRecord: putRecord, PutRecords: putRecords, GetShardIterator: getShardIterator, GetRecords: getRecords };
}
