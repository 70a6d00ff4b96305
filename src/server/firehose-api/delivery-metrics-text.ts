// Delivery metrics (Firehose's CloudWatch metrics, locally) in the Prometheus text format, for /metrics.

import type { DeliveryMetrics } from '../../engine/index.js';
import { type Figure, renderFigures } from '../metrics/figures.js';
import { escapeLabel } from '../metrics/request-metrics.js';

const FIGURES: readonly Figure<DeliveryMetrics>[] = [
  { name: 'eddy_firehose_incoming_records_total', type: 'counter', help: 'Records accepted by PutRecord/PutRecordBatch (IncomingRecords).', pick: (m) => m.incomingRecords },
  { name: 'eddy_firehose_incoming_bytes_total', type: 'counter', help: 'Bytes accepted by PutRecord/PutRecordBatch (IncomingBytes).', pick: (m) => m.incomingBytes },
  { name: 'eddy_firehose_delivered_records_total', type: 'counter', help: 'Records durable in delivered objects (DeliveryToS3.Records).', pick: (m) => m.deliveredRecords },
  { name: 'eddy_firehose_delivered_bytes_total', type: 'counter', help: 'Record bytes, before compression or conversion, durable in delivered objects (DeliveryToS3.Bytes).', pick: (m) => m.deliveredBytes },
  { name: 'eddy_firehose_objects_written_total', type: 'counter', help: 'Data objects written.', pick: (m) => m.filesWritten },
  { name: 'eddy_firehose_error_records_total', type: 'counter', help: 'Records written to the error prefix (conversion or partitioning failures).', pick: (m) => m.errorRecords },
  { name: 'eddy_firehose_delivery_errors_total', type: 'counter', help: 'Failed attempts to write to the destination, each retried (DeliveryToS3.Success = 0).', pick: (m) => m.deliveryErrors },
  { name: 'eddy_firehose_data_freshness_milliseconds', type: 'gauge', help: 'Age of the oldest record not yet delivered (DeliveryToS3.DataFreshness).', pick: (m) => m.dataFreshnessMs },
];

export function renderDeliveryMetrics(metrics: readonly DeliveryMetrics[]): string {
  return renderFigures(FIGURES, metrics, (m) => `delivery_stream="${escapeLabel(m.deliveryStreamName)}"`).join('\n') + '\n';
}
