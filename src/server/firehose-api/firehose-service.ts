// The Firehose API (Firehose_20150804) as an AwsJsonService over the delivery manager.

import type { DeliveryManager } from '../../engine/index.js';
import { type AwsJsonService, operation } from '../aws-protocol/aws-json-service.js';
import { blob, boolean, integer, list, required, string, structure } from '../aws-protocol/shape.js';
import { describeForWire } from './delivery-stream-description.js';
import {
  deliveryStreamName,
  deliveryStreamType,
  extendedS3DestinationConfiguration,
  extendedS3DestinationUpdate,
  OTHER_DESTINATION_UPDATES,
  OTHER_DESTINATIONS,
  roleARN,
  tag,
  tagKey,
} from './firehose-shapes.js';

export const FIREHOSE_TARGET_PREFIX = 'Firehose_20150804';

export interface FirehoseServiceOptions {
  readonly delivery: DeliveryManager;
}

const presence = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, structure({})]));
const MAX_RECORD_BYTES = 1_024_000;

export function firehoseService({ delivery }: FirehoseServiceOptions): AwsJsonService {
  const create = operation(
    structure({
      DeliveryStreamName: required(deliveryStreamName()),
      DeliveryStreamType: deliveryStreamType(),
      KinesisStreamSourceConfiguration: structure({ KinesisStreamARN: required(string({ min: 1, max: 512 })), RoleARN: required(roleARN()) }),
      DirectPutSourceConfiguration: structure({ ThroughputHintInMBs: integer({ min: 1, max: 100 }) }),
      ExtendedS3DestinationConfiguration: extendedS3DestinationConfiguration(),
      S3DestinationConfiguration: extendedS3DestinationConfiguration(),
      ...presence(OTHER_DESTINATIONS),
      Tags: list(tag(), { min: 1, max: 50 }),
    }),
    async (input) => {
      const { deliveryStreamARN } = await delivery.createDeliveryStream(input as never);
      return { DeliveryStreamARN: deliveryStreamARN };
    },
  );

  const describe = operation(
    structure({ DeliveryStreamName: required(deliveryStreamName()), Limit: integer({ min: 1, max: 10000 }), ExclusiveStartDestinationId: string({ min: 1, max: 100 }) }),
    (input, ctx) => describeForWire(delivery.describeDeliveryStream(input.DeliveryStreamName), ctx.codec),
  );

  const listStreams = operation(
    structure({ Limit: integer({ min: 1, max: 10000 }), DeliveryStreamType: deliveryStreamType(), ExclusiveStartDeliveryStreamName: deliveryStreamName() }),
    (input) => {
      const { names, hasMore } = delivery.listDeliveryStreams({
        ...(input.Limit !== undefined ? { limit: input.Limit } : {}),
        ...(input.DeliveryStreamType !== undefined ? { type: input.DeliveryStreamType } : {}),
        ...(input.ExclusiveStartDeliveryStreamName !== undefined ? { exclusiveStartName: input.ExclusiveStartDeliveryStreamName } : {}),
      });
      return { DeliveryStreamNames: names, HasMoreDeliveryStreams: hasMore };
    },
  );

  const remove = operation(structure({ DeliveryStreamName: required(deliveryStreamName()), AllowForceDelete: boolean() }), async (input) => {
    await delivery.deleteDeliveryStream(input.DeliveryStreamName);
    return {};
  });

  const update = operation(
    structure({
      DeliveryStreamName: required(deliveryStreamName()),
      CurrentDeliveryStreamVersionId: required(string({ min: 1, max: 50, pattern: /^[0-9]+$/ })),
      DestinationId: required(string({ min: 1, max: 100 })),
      ExtendedS3DestinationUpdate: extendedS3DestinationUpdate(),
      S3DestinationUpdate: extendedS3DestinationUpdate(),
      ...presence(OTHER_DESTINATION_UPDATES),
    }),
    async (input) => {
      await delivery.updateDestination(input as never);
      return {};
    },
  );

  const putRecord = operation(
    structure({ DeliveryStreamName: required(deliveryStreamName()), Record: required(structure({ Data: required(blob({ max: MAX_RECORD_BYTES })) })) }),
    async (input) => {
      const { recordId } = await delivery.putRecord(input.DeliveryStreamName, input.Record.Data);
      return { RecordId: recordId, Encrypted: false };
    },
  );

  const putRecordBatch = operation(
    structure({
      DeliveryStreamName: required(deliveryStreamName()),
      Records: required(list(structure({ Data: required(blob({ max: MAX_RECORD_BYTES })) }), { min: 1, max: 500 })),
    }),
    async (input) => {
      const entries = await delivery.putRecordBatch(input.DeliveryStreamName, input.Records.map((r) => r.Data));
      const failed = entries.filter((e) => e.errorCode !== undefined).length;
      return {
        FailedPutCount: failed,
        Encrypted: false,
        RequestResponses: entries.map((e) => (e.errorCode ? { ErrorCode: e.errorCode, ErrorMessage: e.errorMessage } : { RecordId: e.recordId })),
      };
    },
  );

  const tagStream = operation(structure({ DeliveryStreamName: required(deliveryStreamName()), Tags: required(list(tag(), { min: 1, max: 50 })) }), async (input) => {
    await delivery.tagDeliveryStream(input.DeliveryStreamName, input.Tags);
    return {};
  });

  const untagStream = operation(structure({ DeliveryStreamName: required(deliveryStreamName()), TagKeys: required(list(tagKey(), { min: 1, max: 50 })) }), async (input) => {
    await delivery.untagDeliveryStream(input.DeliveryStreamName, input.TagKeys);
    return {};
  });

  const listTags = operation(
    structure({ DeliveryStreamName: required(deliveryStreamName()), ExclusiveStartTagKey: tagKey(), Limit: integer({ min: 1, max: 50 }) }),
    (input) => {
      const { tags, hasMore } = delivery.listTags(input.DeliveryStreamName, {
        ...(input.ExclusiveStartTagKey !== undefined ? { exclusiveStartTagKey: input.ExclusiveStartTagKey } : {}),
        ...(input.Limit !== undefined ? { limit: input.Limit } : {}),
      });
      return { Tags: tags, HasMoreTags: hasMore };
    },
  );

  return {
    targetPrefix: FIREHOSE_TARGET_PREFIX,
    signingName: 'firehose',
    // Every operation but ListDeliveryStreams names its delivery stream.
    resourceOf: (_operation, input) => {
      const name = (input as { DeliveryStreamName?: unknown }).DeliveryStreamName;
      return typeof name === 'string' ? `deliverystream/${name}` : '*';
    },
    operations: {
      CreateDeliveryStream: create,
      DescribeDeliveryStream: describe,
      ListDeliveryStreams: listStreams,
      DeleteDeliveryStream: remove,
      UpdateDestination: update,
      PutRecord: putRecord,
      PutRecordBatch: putRecordBatch,
      TagDeliveryStream: tagStream,
      UntagDeliveryStream: untagStream,
      ListTagsForDeliveryStream: listTags,
    },
  };
}

