// Firehose's error output: one JSON line per record that could not be delivered as configured.

import type { ErrorOutputType } from './prefix-expression.js';

export interface FailedRecord {
  readonly data: Uint8Array;
  readonly arrivalTimestamp: number;
  readonly sequenceNumber: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly outputType: ErrorOutputType;
}

export interface ErrorRecordContext {
  readonly attemptEndingTimestamp: number;
  /** Format conversion failures name the table whose schema was used, as Firehose does. */
  readonly dataCatalogTable?: { readonly databaseName?: string | undefined; readonly tableName?: string | undefined };
}

export function errorRecordLine(r: FailedRecord, ctx: ErrorRecordContext): string {
  const base: Record<string, unknown> = {
    attemptsMade: 1,
    arrivalTimestamp: r.arrivalTimestamp,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    attemptEndingTimestamp: ctx.attemptEndingTimestamp,
    rawData: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
  };
  if (r.outputType === 'format-conversion-failed') {
    base['sequenceNumber'] = r.sequenceNumber;
    base['subSequenceNumber'] = 0;
    if (ctx.dataCatalogTable) base['dataCatalogTable'] = ctx.dataCatalogTable;
  }
  return JSON.stringify(base) + '\n';
}
