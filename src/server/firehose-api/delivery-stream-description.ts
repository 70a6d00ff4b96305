// DescribeDeliveryStream's answer, built from the engine's description.

import type { DeliveryStreamDescription } from '../../engine/index.js';
import type { WireCodec } from '../aws-protocol/wire-format.js';

export function describeForWire(d: DeliveryStreamDescription, codec: WireCodec): Record<string, unknown> {
  const r = d.record;
  const dest = r.destination;
  const s3 = {
    RoleARN: dest.RoleARN,
    BucketARN: dest.BucketARN,
    Prefix: dest.Prefix,
    ...(dest.ErrorOutputPrefix !== undefined ? { ErrorOutputPrefix: dest.ErrorOutputPrefix } : {}),
    BufferingHints: dest.BufferingHints,
    CompressionFormat: dest.CompressionFormat,
    EncryptionConfiguration: dest.EncryptionConfiguration,
    ...(dest.CloudWatchLoggingOptions ? { CloudWatchLoggingOptions: dest.CloudWatchLoggingOptions } : {}),
  };
  return {
    DeliveryStreamDescription: {
      DeliveryStreamName: r.name,
      DeliveryStreamARN: r.arn,
      DeliveryStreamStatus: d.status,
      DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
      DeliveryStreamType: r.type,
      VersionId: String(r.versionId),
      CreateTimestamp: codec.timestamp(r.createTimestamp),
      ...(r.lastUpdateTimestamp !== undefined ? { LastUpdateTimestamp: codec.timestamp(r.lastUpdateTimestamp) } : {}),
      ...(r.source
        ? { Source: { KinesisStreamSourceDescription: { KinesisStreamARN: r.source.KinesisStreamARN, RoleARN: r.source.RoleARN, DeliveryStartTimestamp: codec.timestamp(r.source.startedAt) } } }
        : {}),
      Destinations: [{ DestinationId: r.destinationId, S3DestinationDescription: s3, ExtendedS3DestinationDescription: dest }],
      HasMoreDestinations: false,
      // Destination failures are retried; while one persists it is shown here (Firehose's CloudWatch error logs, locally).
      ...(d.failure ? { FailureDescription: { Type: 'UNKNOWN_ERROR', Details: `${d.failure.code}: ${d.failure.message}` } } : {}),
    },
  };
}
