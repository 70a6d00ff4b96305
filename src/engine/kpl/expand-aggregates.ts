// Readers that hand out batches of records split aggregates in place: each user record takes the Kinesis
// record's sequence number and arrival time, its own partition key, and a sub-sequence number (its index
// in the aggregate; 0 for an ordinary record), as the KCL numbers them.

import { deaggregate, hasKplMagic } from './deaggregate.js';

export interface ExpandedRecords<R> {
  readonly records: R[];
  /** Per record of `records`: its index inside its aggregate, or 0 for a record that was not one. */
  readonly subSequenceNumbers: Int32Array;
  /** Per record of `records`: whether it came out of an aggregate. */
  readonly aggregated: Uint8Array;
}

/**
 * The records with every valid aggregate replaced by its user records, or undefined when no record is an
 * aggregate (the common case costs one byte compare per record and allocates nothing).
 */
export function expandAggregates<R extends { readonly sequenceNumber: string; readonly partitionKey: string; readonly data: Uint8Array }>(records: readonly R[]): ExpandedRecords<R> | undefined {
  let first = -1;
  for (let i = 0; i < records.length; i++) {
    const d = records[i]!.data;
    if (d[0] === 0xf3 && hasKplMagic(d)) {
      first = i;
      break;
    }
  }
  if (first < 0) return undefined;
  const out: R[] = records.slice(0, first);
  const subs: number[] = new Array(first).fill(0);
  const flags: number[] = new Array(first).fill(0);
  for (let i = first; i < records.length; i++) {
    const r = records[i]!;
    const parts = hasKplMagic(r.data) ? deaggregate(r.data) : undefined;
    if (parts === undefined) {
      out.push(r);
      subs.push(0);
      flags.push(0);
      continue;
    }
    for (let j = 0; j < parts.length; j++) {
      const u = parts[j]!;
      // The sequence number named: a record read from a shard makes it in a getter, which a spread skips.
      out.push({ ...r, sequenceNumber: r.sequenceNumber, partitionKey: u.partitionKey, data: u.data });
      subs.push(j);
      flags.push(1);
    }
  }
  if (out.length === records.length && flags.every((f) => f === 0)) return undefined;
  return { records: out, subSequenceNumbers: Int32Array.from(subs), aggregated: Uint8Array.from(flags) };
}
