// The common PutRecords request (JSON, every record well formed) converted without the generic validator:
// one pass checks the records, a second decodes every record's base64 into one buffer the records are
// views of. Anything unusual returns undefined, and the generic validator then answers exactly as before.

import { base64TailIsClean, convertIfValid, type StructureShape } from '../aws-protocol/shape.js';
import type { WireFormat } from '../aws-protocol/wire-format.js';

export interface PutRecordsEntryInput {
  Data: Uint8Array;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

export interface PutRecordsInput {
  StreamName?: string;
  StreamARN?: string;
  Records: PutRecordsEntryInput[];
}

const HASH_KEY = /^(0|([1-9]\d{0,38}))$/;

/**
 * `targetShape` holds the members that name the stream; `maxRecords` and `maxDataBytes` are the model's
 * list and blob limits.
 */
export function fastPutRecordsInput(
  targetShape: StructureShape,
  maxRecords: number,
  maxDataBytes: number,
): (body: unknown, format: WireFormat) => PutRecordsInput | undefined {
  return (body, format) => {
    if (format !== 'json' || typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const records = (body as { Records?: unknown }).Records;
    if (!Array.isArray(records) || records.length < 1 || records.length > maxRecords) return undefined;
    const target = convertIfValid(targetShape, body, format) as { StreamName?: string; StreamARN?: string } | undefined;
    if (target === undefined) return undefined;
    const n = records.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const r = records[i] as { Data?: unknown; PartitionKey?: unknown; ExplicitHashKey?: unknown } | null;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) return undefined;
      const data = r.Data;
      const key = r.PartitionKey;
      const hash = r.ExplicitHashKey;
      if (typeof data !== 'string' || data.length % 4 !== 0) return undefined;
      if (typeof key !== 'string' || key.length < 1 || key.length > 256) return undefined;
      if (hash !== undefined && hash !== null && (typeof hash !== 'string' || !HASH_KEY.test(hash))) return undefined;
      total += (data.length / 4) * 3;
    }
    const bytes = Buffer.allocUnsafe(total);
    // Read once: the getters cost as much as making a view.
    const arrayBuffer = bytes.buffer;
    const byteOffset = bytes.byteOffset;
    const out = new Array<PutRecordsEntryInput>(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const r = records[i] as { Data: string; PartitionKey: string; ExplicitHashKey?: string | null };
      const text = r.Data;
      const len = text.length;
      const padding = len === 0 ? 0 : text.charCodeAt(len - 1) === 61 ? (text.charCodeAt(len - 2) === 61 ? 2 : 1) : 0;
      if (!base64TailIsClean(text.charCodeAt(len - 1 - padding), padding)) return undefined;
      const expected = (len / 4) * 3 - padding;
      // Node's decoder skips characters outside the alphabet, so a short result means the text was not base64.
      const written = len === 0 ? 0 : bytes.write(text, at, 'base64');
      if (written !== expected || expected > maxDataBytes) return undefined;
      // A plain view: Buffer#subarray goes through a slower species constructor, and the logs copy the bytes.
      const data = new Uint8Array(arrayBuffer, byteOffset + at, written);
      at += written;
      const hash = r.ExplicitHashKey;
      out[i] =
        hash === undefined || hash === null
          ? { Data: data, PartitionKey: r.PartitionKey }
          : { Data: data, PartitionKey: r.PartitionKey, ExplicitHashKey: hash };
    }
    const input: PutRecordsInput = { Records: out };
    if (target.StreamName !== undefined) input.StreamName = target.StreamName;
    if (target.StreamARN !== undefined) input.StreamARN = target.StreamARN;
    return input;
  };
}
