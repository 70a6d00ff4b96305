// Continuous query figures in the Prometheus text format for /metrics, beside the stream and delivery ones:
// what a Flink or ksqlDB operator watches (records in, rows out, late rows, undecodable records, lag,
// checkpoints).

import type { QueryStatus } from '../../engine/index.js';
import { type Figure, renderFigures } from '../metrics/figures.js';
import { escapeLabel } from '../metrics/request-metrics.js';

const FIGURES: readonly Figure<QueryStatus>[] = [
  { name: 'eddy_query_input_records_total', type: 'counter', help: 'Records the query read from its source stream.', pick: (q) => q.inputRecords },
  { name: 'eddy_query_output_rows_total', type: 'counter', help: 'Result rows the query emitted.', pick: (q) => q.outputRows },
  { name: 'eddy_query_late_rows_total', type: 'counter', help: 'Rows dropped because their event time was behind the watermark.', pick: (q) => q.lateRows },
  { name: 'eddy_query_decode_errors_total', type: 'counter', help: 'Records skipped because they did not decode under the stream schema.', pick: (q) => q.decodeErrors },
  { name: 'eddy_query_lag_milliseconds', type: 'gauge', help: 'How far behind the newest record of its shards the query is reading.', pick: (q) => q.lagMs },
  {
    name: 'eddy_query_watermark_milliseconds',
    type: 'gauge',
    help: 'The query watermark, epoch ms (0 before the first one).',
    pick: (q) => (q.watermark === null ? 0 : Date.parse(q.watermark)),
  },
  { name: 'eddy_query_checkpoints_completed_total', type: 'counter', help: 'Checkpoints the query saved since the process running it took it up.', pick: (q) => q.checkpoints.completed },
  { name: 'eddy_query_checkpoints_failed_total', type: 'counter', help: 'Checkpoints of the query whose write was refused or did not land.', pick: (q) => q.checkpoints.failed },
  { name: 'eddy_query_running', type: 'gauge', help: '1 while the query runs, 0 once it failed or stopped.', pick: (q) => (q.status === 'running' ? 1 : 0) },
];

export function renderQueryMetrics(queries: readonly QueryStatus[]): string {
  const labels = (q: QueryStatus): string => `query="${escapeLabel(q.id)}",name="${escapeLabel(q.name)}",stream="${escapeLabel(q.stream)}"`;
  return renderFigures(FIGURES, queries, labels).join('\n') + '\n';
}
