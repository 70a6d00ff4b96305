// Records as a consumer-group processor sees them: KPL aggregates split into their user records, each
// with its sub-sequence number, as the KCL's UserRecord gives them.

import type { _Record } from '@aws-sdk/client-kinesis';
import { deaggregate } from '../engine/kpl/index.js';

export interface ConsumerRecord {
  readonly sequenceNumber: string;
  /** Index inside a KPL aggregate; 0 for an ordinary record. */
  readonly subSequenceNumber: number;
  /** Whether the record came out of a KPL aggregate. */
  readonly aggregated: boolean;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
  readonly approximateArrivalTimestamp: Date;
}

export function toConsumerRecords(records: readonly _Record[]): ConsumerRecord[] {
  const out: ConsumerRecord[] = [];
  for (const r of records) {
    const data = r.Data ?? new Uint8Array(0);
    const base = { sequenceNumber: r.SequenceNumber!, approximateArrivalTimestamp: r.ApproximateArrivalTimestamp ?? new Date(0) };
    const parts = deaggregate(data);
    if (parts === undefined) {
      out.push({ ...base, subSequenceNumber: 0, aggregated: false, partitionKey: r.PartitionKey!, data });
      continue;
    }
    parts.forEach((u, i) =>
      out.push({ ...base, subSequenceNumber: i, aggregated: true, partitionKey: u.partitionKey, ...(u.explicitHashKey === undefined ? {} : { explicitHashKey: u.explicitHashKey }), data: u.data }),
    );
  }
  return out;
}
