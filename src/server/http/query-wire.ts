// A query's status as GET /v1/queries answers it: times in ISO-8601 UTC, as in result rows, the last bad
// record's bytes as text and base64, and the input and output rates the server measures.

import type { BadRecord, CheckpointStatus, QueryPartStatus, QueryStatus } from '../../engine/index.js';
import type { LiveRates, QueryRates } from './live-rates.js';
import { recordDataForWire, type RecordDataForWire } from './record-data.js';

export type QueryStatusForWire = Omit<QueryStatus, 'startedAt' | 'lastBadRecord' | 'checkpoints' | 'parts'> & {
  readonly startedAt: string;
  readonly checkpoints: CheckpointStatusForWire;
  readonly parts?: readonly (Omit<QueryPartStatus, 'checkpoints'> & { readonly checkpoints: CheckpointStatusForWire })[];
  readonly lastBadRecord?: BadRecordForWire;
  readonly inputRecordsPerSecond: number;
  readonly outputRowsPerSecond: number;
  readonly history: readonly (Omit<QueryRates['history'][number], 'at'> & { readonly at: string })[];
};

export type CheckpointStatusForWire = Omit<CheckpointStatus, 'lastCompletedAt'> & { readonly lastCompletedAt?: string };

export type BadRecordForWire = Omit<BadRecord, 'arrivalTimestamp' | 'data' | 'bytes'> & RecordDataForWire & { readonly arrivalTime: string };

export function queryForWire(status: QueryStatus, rates: LiveRates | undefined): QueryStatusForWire {
  const { startedAt, lastBadRecord, checkpoints, parts, ...rest } = status;
  const measured = rates?.query(status.id);
  return {
    ...rest,
    startedAt: new Date(startedAt).toISOString(),
    checkpoints: checkpointsForWire(checkpoints),
    ...(parts === undefined ? {} : { parts: parts.map((p) => ({ ...p, checkpoints: checkpointsForWire(p.checkpoints) })) }),
    ...(lastBadRecord === undefined ? {} : { lastBadRecord: badRecordForWire(lastBadRecord) }),
    inputRecordsPerSecond: measured?.inputRecordsPerSecond ?? 0,
    outputRowsPerSecond: measured?.outputRowsPerSecond ?? 0,
    history: (measured?.history ?? []).map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
  };
}

function checkpointsForWire(c: CheckpointStatus): CheckpointStatusForWire {
  const { lastCompletedAt, ...rest } = c;
  return { ...rest, ...(lastCompletedAt === undefined ? {} : { lastCompletedAt: new Date(lastCompletedAt).toISOString() }) };
}

export function badRecordForWire(bad: BadRecord): BadRecordForWire {
  const { arrivalTimestamp, data, bytes, ...rest } = bad;
  return { ...rest, arrivalTime: new Date(arrivalTimestamp).toISOString(), ...recordDataForWire(data, bytes, data.length) };
}
