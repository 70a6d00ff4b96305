// Event source mapping figures in the Prometheus text format for /metrics: what Lambda's CloudWatch
// metrics for a Kinesis mapping show (invocations, errors, records), per mapping.

import type { MappingView } from '../../engine/index.js';
import { type Figure, renderFigures } from '../metrics/figures.js';
import { escapeLabel } from '../metrics/request-metrics.js';

const FIGURES: readonly Figure<MappingView>[] = [
  { name: 'eddy_function_invocations_total', type: 'counter', help: 'Handler invocations of the mapping, retries included.', pick: (m) => m.stats.invocations },
  { name: 'eddy_function_errors_total', type: 'counter', help: 'Invocations that failed (threw, timed out, crashed, or reported failed records).', pick: (m) => m.stats.failedInvocations },
  { name: 'eddy_function_records_processed_total', type: 'counter', help: 'Records of batches the handler finished successfully.', pick: (m) => m.stats.recordsProcessed },
  { name: 'eddy_function_records_discarded_total', type: 'counter', help: 'Records given up on (retries exhausted or too old), sent to the on-failure destination if any.', pick: (m) => m.stats.recordsDiscarded },
  { name: 'eddy_function_destination_failures_total', type: 'counter', help: 'On-failure records that could not be written to their destination stream.', pick: (m) => m.stats.destinationFailures },
  { name: 'eddy_function_enabled', type: 'gauge', help: '1 while the mapping runs, 0 while it is disabled or failed to start.', pick: (m) => (m.state === 'Enabled' ? 1 : 0) },
];

/** On a cluster, each process counts what it ran: mappings another process runs are left out, so a sum over processes counts each invocation once. */
export function renderFunctionMetrics(mappings: readonly MappingView[]): string {
  const labels = (m: MappingView): string => `mapping="${escapeLabel(m.uuid)}",function="${escapeLabel(m.functionName)}",stream="${escapeLabel(m.streamName)}"`;
  return renderFigures(FIGURES, mappings.filter((m) => !m.runsElsewhere), labels).join('\n') + '\n';
}
