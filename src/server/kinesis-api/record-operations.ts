// PutRecord, PutRecords, GetShardIterator, GetRecords: the data plane.

import { EddyError, type PutRecordInput, type ShardPosition } from '../../engine/index.js';
import { type AwsOperation, EncodedResponse, operation } from '../aws-protocol/aws-json-service.js';
import { blob, integer, list, required, string, structure, timestamp } from '../aws-protocol/shape.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { hashKey, partitionKey, sequenceNumber, shardId, shardIteratorType, streamTargetMembers } from './kinesis-shapes.js';
import { resolveStreamName } from './stream-target.js';
import { putRecordsFromBody } from './put-records-body.js';
import { fastPutRecordsInput } from './put-records-input.js';
import { getRecordsJson, putRecordsJson } from './record-answers-json.js';
import { wireChildShard, wireRecords } from './wire-shapes.js';

/** The model's blob limit; the store applies the stream's own record size limit. */
const MAX_DATA_BYTES = 10 * 1024 * 1024;
const GET_RECORDS_MAX_LIMIT = 10000;
const PUT_RECORDS_MAX_RECORDS = 500;

type IteratorType = 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/** Turns GetShardIterator/SubscribeToShard arguments into a store position, with Kinesis's wording for mistakes. */
export function shardPosition(type: IteratorType, startingSequenceNumber: string | undefined, timestampMs: number | undefined): ShardPosition {
  switch (type) {
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      if (startingSequenceNumber === undefined) {
        throw new EddyError(
          'InvalidArgumentException',
          `Must specify a StartingSequenceNumber for iterator type ${type}. Request specified ${type} and no StartingSequenceNumber.`,
        );
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
        throw new EddyError(
          'InvalidArgumentException',
          `Request specified ${type} and a StartingSequenceNumber; StartingSequenceNumber is only allowed with AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER.`,
        );
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
      ...streamTargetMembers(),
      Data: required(blob({ max: MAX_DATA_BYTES })),
      PartitionKey: required(partitionKey()),
      ExplicitHashKey: hashKey(),
      SequenceNumberForOrdering: sequenceNumber(),
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
      ...streamTargetMembers(),
      Records: required(
        list(
          structure({ Data: required(blob({ max: MAX_DATA_BYTES })), ExplicitHashKey: hashKey(), PartitionKey: required(partitionKey()) }),
          { min: 1, max: PUT_RECORDS_MAX_RECORDS },
        ),
      ),
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
      ...streamTargetMembers(),
      ShardId: required(shardId()),
      ShardIteratorType: required(shardIteratorType()),
      StartingSequenceNumber: sequenceNumber(),
      Timestamp: timestamp(),
    }),
    async (input) => {
      const position = shardPosition(input.ShardIteratorType, input.StartingSequenceNumber, input.Timestamp);
      return { ShardIterator: await store.getShardIterator(resolveStreamName(store, input), input.ShardId, position) };
    },
  );

  const getRecords = operation(
    structure({ ShardIterator: required(string({ min: 1, max: 512 })), Limit: integer({ min: 1 }), StreamARN: streamTargetMembers().StreamARN }),
    async (input, { codec }) => {
      if (input.Limit !== undefined && input.Limit > GET_RECORDS_MAX_LIMIT) {
        throw new EddyError('InvalidArgumentException', `Limit ${input.Limit} is above the maximum of ${GET_RECORDS_MAX_LIMIT}.`);
      }
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
