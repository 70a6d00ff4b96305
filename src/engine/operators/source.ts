// The start of every pipeline: decodes a shard's records into batches of the declared columns plus the
// system columns. Batches enter the operator chain here.
import type { RecordBatch } from 'apache-arrow';
import { SYSTEM_COLUMNS, type ColumnSchema } from '../plan/schema.js';
import type { SourceNode } from '../plan/plan.js';
import type { StreamRecord } from '../stream/stream-store.js';
import { RecordDecoder } from '../batch/record-decoder.js';
import type { DecodeResult } from '../batch/record-decoder.js';
import { EddyError } from '../errors.js';
import type { Collector, Operator, OperatorContext } from './operator.js';

export class Source implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  readonly decoder: RecordDecoder;

  /** `used`: the output columns anything downstream reads (others are left NULL); absent = all. */
  constructor(
    readonly node: SourceNode,
    used?: ReadonlySet<number>,
  ) {
    const names = new Set<string>();
    for (const c of node.columns) {
      if (SYSTEM_COLUMNS.some((s) => s.name === c.name)) {
        throw new EddyError('ValidationException', `column '${c.name}' is a system column and cannot be declared`);
      }
      if (names.has(c.name)) throw new EddyError('ValidationException', `duplicate column '${c.name}' in stream '${node.stream}'`);
      names.add(c.name);
    }
    this.decoder = new RecordDecoder(node.format, node.columns, used);
    this.outputColumns = this.decoder.columns;
    const et = this.outputColumns[node.eventTime.column];
    if (!et || et.type !== 'TIMESTAMP') {
      throw new EddyError('ValidationException', `event time column ${node.eventTime.column} of stream '${node.stream}' must be a TIMESTAMP column`);
    }
    if (!(node.eventTime.watermarkDelayMs >= 0)) {
      throw new EddyError('ValidationException', `watermark delay must be ≥ 0 ms, got ${node.eventTime.watermarkDelayMs}`);
    }
  }

  decode(records: readonly StreamRecord[], shardId: string): DecodeResult {
    return this.decoder.decode(records, shardId);
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    out.emit(batch);
  }
}
