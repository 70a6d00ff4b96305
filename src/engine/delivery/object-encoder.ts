// Encodes one buffer of records into the bytes of one object, in the configured output format.

import { tableToIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import type { OutputFormat } from './delivery-stream-config.js';
import { compress } from './compression.js';
import { jsonRecordsToArrow, type ConversionFailure } from './json-to-arrow.js';
import { unreachable } from '../errors.js';

export interface EncodedObject {
  /** Undefined when no record survived conversion (nothing to write). */
  readonly body: Uint8Array | undefined;
  readonly failures: readonly ConversionFailure[];
}

const PARQUET_COMPRESSION = {
  UNCOMPRESSED: parquet.Compression.UNCOMPRESSED,
  GZIP: parquet.Compression.GZIP,
  SNAPPY: parquet.Compression.SNAPPY,
} as const;

function concatRecords(records: readonly Uint8Array[], delimiter: Uint8Array | undefined): Uint8Array {
  let total = 0;
  for (const r of records) total += r.length + (delimiter?.length ?? 0);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const r of records) {
    out.set(r, pos);
    pos += r.length;
    if (delimiter) {
      out.set(delimiter, pos);
      pos += delimiter.length;
    }
  }
  return out;
}

export async function encodeObject(output: OutputFormat, records: readonly Uint8Array[]): Promise<EncodedObject> {
  switch (output.kind) {
    case 'records':
      return { body: await compress(output.compression, concatRecords(records, output.delimiter)), failures: [] };
    case 'parquet': {
      const { table, failures } = jsonRecordsToArrow(records, output.reading);
      if (!table) return { body: undefined, failures };
      const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
      let props = new parquet.WriterPropertiesBuilder()
        .setCompression(PARQUET_COMPRESSION[output.compression])
        .setDictionaryEnabled(output.dictionary)
        // Column-chunk statistics keep readers' pruning; page statistics cost a third of the write time.
        .setStatisticsEnabled(parquet.EnabledStatistics.Chunk);
      if (output.blockSizeBytes !== undefined) props = props.setMaxRowGroupBytes(output.blockSizeBytes);
      if (output.pageSizeBytes !== undefined) props = props.setDataPageSizeLimit(output.pageSizeBytes);
      if (output.writerVersion !== undefined) props = props.setWriterVersion(output.writerVersion === 'V2' ? parquet.WriterVersion.V2 : parquet.WriterVersion.V1);
      return { body: parquet.writeParquet(wasmTable, props.build()), failures };
    }
    case 'arrow': {
      const { table, failures } = jsonRecordsToArrow(records, output.reading);
      return { body: table ? tableToIPC(table, 'file') : undefined, failures };
    }
    default:
      return unreachable(output, 'output');
  }
}
