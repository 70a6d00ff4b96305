import { describe, expect, it } from 'vitest';
import type { QueryStatus } from '../../../src/engine/index.js';
import { renderQueryMetrics } from '../../../src/server/http/query-metrics-text.js';

const status = (over: Partial<QueryStatus>): QueryStatus => ({
  id: 'q1',
  name: 'clicks per "minute"',
  sql: 'SELECT 1',
  status: 'running',
  columns: [],
  sink: { kind: 'subscribers' },
  stream: 'clicks',
  streams: ['clicks'],
  inputRecords: 120,
  outputRows: 7,
  lateRows: 3,
  decodeErrors: 2,
  watermark: '2026-11-25T10:01:05.000Z',
  lagMs: 40,
  shards: [],
  stateEntries: 0,
  result: { changelog: 'append', keys: [] },
  startedAt: 0,
  checkpoints: { completed: 4, failed: 1, lastCompletedAt: 0, lastDurationMs: 12 },
  ...over,
});

describe('query metrics in the Prometheus format', () => {
  it('renders every figure of every query with escaped labels', () => {
    const text = renderQueryMetrics([status({}), status({ id: 'q2', name: 'broken', status: 'failed', watermark: null })]);
    const labels = 'query="q1",name="clicks per \\"minute\\"",stream="clicks"';
    expect(text).toContain('# TYPE eddy_query_decode_errors_total counter');
    expect(text).toContain(`eddy_query_input_records_total{${labels}} 120`);
    expect(text).toContain(`eddy_query_output_rows_total{${labels}} 7`);
    expect(text).toContain(`eddy_query_late_rows_total{${labels}} 3`);
    expect(text).toContain(`eddy_query_decode_errors_total{${labels}} 2`);
    expect(text).toContain(`eddy_query_lag_milliseconds{${labels}} 40`);
    expect(text).toContain(`eddy_query_watermark_milliseconds{${labels}} ${Date.parse('2026-11-25T10:01:05.000Z')}`);
    expect(text).toContain(`eddy_query_checkpoints_completed_total{${labels}} 4`);
    expect(text).toContain(`eddy_query_checkpoints_failed_total{${labels}} 1`);
    expect(text).toContain(`eddy_query_running{${labels}} 1`);
    expect(text).toContain('eddy_query_running{query="q2",name="broken",stream="clicks"} 0');
    expect(text).toContain('eddy_query_watermark_milliseconds{query="q2",name="broken",stream="clicks"} 0');
  });

  it('renders only the help and type lines when no query runs', () => {
    const text = renderQueryMetrics([]);
    expect(text.split('\n').filter((line) => line && !line.startsWith('#'))).toEqual([]);
  });
});
