// Renders the stream store's CloudWatch-style counters, request latency and process memory in the
// Prometheus text exposition format (version 0.0.4).

import type { StreamMetrics } from '../../engine/index.js';
import { type Figure, renderFigures } from './figures.js';
import { escapeLabel, type RequestMetrics } from './request-metrics.js';

type ShardOfStream = StreamMetrics['shards'][number] & { readonly streamName: string };

const SHARD_FIGURES: readonly Figure<ShardOfStream>[] = [
  { name: 'eddy_kinesis_incoming_records_total', type: 'counter', help: 'Records stored (IncomingRecords).', pick: (s) => s.incomingRecords },
  { name: 'eddy_kinesis_incoming_bytes_total', type: 'counter', help: 'Bytes stored (IncomingBytes).', pick: (s) => s.incomingBytes },
  { name: 'eddy_kinesis_outgoing_records_total', type: 'counter', help: 'Records read (OutgoingRecords).', pick: (s) => s.outgoingRecords },
  { name: 'eddy_kinesis_outgoing_bytes_total', type: 'counter', help: 'Bytes read (OutgoingBytes).', pick: (s) => s.outgoingBytes },
  {
    name: 'eddy_kinesis_write_provisioned_throughput_exceeded_total',
    type: 'counter',
    help: 'Writes refused by the shard write limits (WriteProvisionedThroughputExceeded).',
    pick: (s) => s.writeProvisionedThroughputExceeded,
  },
  {
    name: 'eddy_kinesis_read_provisioned_throughput_exceeded_total',
    type: 'counter',
    help: 'Reads refused by the shard read limits (ReadProvisionedThroughputExceeded).',
    pick: (s) => s.readProvisionedThroughputExceeded,
  },
  {
    name: 'eddy_kinesis_iterator_age_milliseconds',
    type: 'gauge',
    help: 'MillisBehindLatest of the latest GetRecords on the shard (GetRecords.IteratorAgeMilliseconds).',
    pick: (s) => s.millisBehindLatest,
  },
  {
    name: 'eddy_kinesis_shard_corrupt',
    type: 'gauge',
    help: "1 while the shard's files hold damaged records, refused to readers until eddy repair quarantines them; else 0.",
    pick: (s) => (s.damagedRanges > 0 ? 1 : 0),
  },
  {
    name: 'eddy_kinesis_shard_damaged_records',
    type: 'gauge',
    help: 'Records of the shard that are damaged or missing on disk, as far as known.',
    pick: (s) => s.damagedRecords,
  },
  {
    name: 'eddy_kinesis_shard_damaged_bytes',
    type: 'gauge',
    help: "Damaged bytes in the shard's segment files, waiting for eddy repair to quarantine them.",
    pick: (s) => s.damagedBytes,
  },
];

const STREAM_FIGURES: readonly Figure<StreamMetrics>[] = [
  {
    name: 'eddy_kinesis_open_shards',
    type: 'gauge',
    help: 'Shards of the stream taking writes (OpenShardCount); on-demand scaling and resharding change it.',
    pick: (s) => s.openShardCount,
  },
];

export function renderPrometheusText(streams: readonly StreamMetrics[], requests: RequestMetrics): string {
  const shards = streams.flatMap((stream) => stream.shards.map((shard) => ({ ...shard, streamName: stream.streamName })));
  const lines = renderFigures(STREAM_FIGURES, streams, (s) => `stream="${escapeLabel(s.streamName)}"`);
  lines.push(...renderFigures(SHARD_FIGURES, shards, (s) => `stream="${escapeLabel(s.streamName)}",shard="${escapeLabel(s.shardId)}"`));
  lines.push(...requests.render());
  const memory = process.memoryUsage();
  lines.push(
    '# HELP process_resident_memory_bytes Resident set size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${memory.rss}`,
    '# HELP nodejs_heap_size_used_bytes V8 heap in use, in bytes.',
    '# TYPE nodejs_heap_size_used_bytes gauge',
    `nodejs_heap_size_used_bytes ${memory.heapUsed}`,
    '# HELP nodejs_heap_size_total_bytes V8 heap reserved, in bytes.',
    '# TYPE nodejs_heap_size_total_bytes gauge',
    `nodejs_heap_size_total_bytes ${memory.heapTotal}`,
    '# HELP nodejs_external_memory_bytes Memory of buffers and other objects outside the V8 heap, in bytes.',
    '# TYPE nodejs_external_memory_bytes gauge',
    `nodejs_external_memory_bytes ${memory.external}`,
  );
  return `${lines.join('\n')}\n`;
}
