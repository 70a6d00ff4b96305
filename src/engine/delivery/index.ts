// Firehose-style delivery of streams to files.
export { DeliveryManager, DESTINATION_CONFIGURATIONS, INTERNAL_STREAM_PREFIX, type DeliveryManagerOptions, type CreateDeliveryStreamRequest, type UpdateDestinationRequest, type DeliveryStreamDescription, type PutRecordBatchEntry } from './delivery-manager.js';
export type { DeliveryMetrics, DeliveryEvent } from './delivery-metrics.js';
export type { DeliveryFailure, RetryPolicy } from './delivery-runner.js';
export type { DeliveryStreamRecord, ExtendedS3Destination, DeliveryStreamType, CompressionFormat } from './delivery-stream-config.js';
export type { StreamSchemaResolver } from './destination-validation.js';
export { DELIVERY_STREAM_NAME_PATTERN, MAX_DELIVERY_STREAM_NAME_LENGTH } from './delivery-stream-name.js';
export { unsnappyFramed, unhadoopSnappy } from './compression.js';
