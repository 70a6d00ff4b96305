// Counters for one delivery stream, read by the server's /metrics (CloudWatch's Firehose metrics, locally).

export interface DeliveryMetrics {
  readonly deliveryStreamName: string;
  /** DirectPut records and bytes accepted. */
  incomingRecords: number;
  incomingBytes: number;
  /** Records and bytes (before compression or conversion) in data objects that are durable. */
  deliveredRecords: number;
  deliveredBytes: number;
  /** Data objects written (error objects are counted apart). */
  filesWritten: number;
  /** Records sent to the error prefix. */
  errorRecords: number;
  errorFilesWritten: number;
  /** Failed attempts to write to the destination (each retried). */
  deliveryErrors: number;
  /** Age of the oldest record not yet durable in a file, ms (0 when caught up). */
  dataFreshnessMs: number;
}

export function emptyDeliveryMetrics(name: string): DeliveryMetrics {
  return {
    deliveryStreamName: name,
    incomingRecords: 0,
    incomingBytes: 0,
    deliveredRecords: 0,
    deliveredBytes: 0,
    filesWritten: 0,
    errorRecords: 0,
    errorFilesWritten: 0,
    deliveryErrors: 0,
    dataFreshnessMs: 0,
  };
}

/** One object made durable, for listeners (tests, logs). */
export interface DeliveryEvent {
  readonly deliveryStreamName: string;
  readonly kind: 'data' | 'error';
  /** The object key relative to the bucket directory. */
  readonly key: string;
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
}
