import { describe, expect, it } from 'vitest';
import { renderDeliveryMetrics } from '../../../src/server/firehose-api/delivery-metrics-text.js';

describe('delivery metrics in the Prometheus format', () => {
  it('renders one sample per delivery stream for every figure, with escaped labels', () => {
    const text = renderDeliveryMetrics([
      { deliveryStreamName: 'a"b', incomingRecords: 5, incomingBytes: 50, deliveredRecords: 4, deliveredBytes: 40, filesWritten: 1, errorRecords: 1, errorFilesWritten: 1, deliveryErrors: 2, dataFreshnessMs: 1500 },
    ]);
    expect(text).toContain('# TYPE eddy_firehose_delivered_records_total counter');
    expect(text).toContain('eddy_firehose_delivered_records_total{delivery_stream="a\\"b"} 4');
    expect(text).toContain('eddy_firehose_data_freshness_milliseconds{delivery_stream="a\\"b"} 1500');
    expect(text).toContain('eddy_firehose_delivery_errors_total{delivery_stream="a\\"b"} 2');
  });
});
