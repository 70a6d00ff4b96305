// Input batches an operator holds on to because some of their rows are still to be emitted (OVER
// windows hold rows until the watermark makes them final). Each batch is let go when its last held row
// is; emitting gathers the rows from wherever they are, without copying them in between.
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { gatherBatch } from '../batch/gather.js';

interface Held<T> {
  readonly batch: RecordBatch;
  readonly data: T;
  live: number;
}

export class HeldBatches<T> {
  private readonly held = new Map<number, Held<T>>();
  private nextId = 0;
  /** Rows held over all batches. */
  rows = 0;

  /** Holds `live` rows of a batch, with what the operator computed for it; returns the batch's id. */
  add(batch: RecordBatch, data: T, live: number): number {
    const id = this.nextId++;
    this.held.set(id, { batch, data, live });
    this.rows += live;
    return id;
  }

  data(id: number): T {
    return this.held.get(id)!.data;
  }

  batch(id: number): RecordBatch {
    return this.held.get(id)!.batch;
  }

  /** Batches held. */
  get batches(): number {
    return this.held.size;
  }

  /** Held batches, oldest first. */
  ids(): IterableIterator<number> {
    return this.held.keys();
  }

  /** Rows no longer held; the batch goes when none of its rows is. */
  release(id: number, count = 1): void {
    const h = this.held.get(id)!;
    h.live -= count;
    this.rows -= count;
    if (h.live <= 0) this.held.delete(id);
  }

  /**
   * The rows (batch `ids[i]`, row `rows[i]`) as one batch of `schema`, followed by the `extra` columns,
   * and lets go of them.
   */
  emit(schema: Schema, ids: Int32Array, rows: Int32Array, count: number, extra: readonly Data[]): RecordBatch {
    const out = this.gather(schema, ids, rows, count, extra);
    for (let i = 0; i < count; i++) this.release(ids[i]!);
    return out;
  }

  /** As `emit`, but the rows stay held. */
  gather(schema: Schema, ids: Int32Array, rows: Int32Array, count: number, extra: readonly Data[]): RecordBatch {
    const index = new Map<number, number>();
    const batches: RecordBatch[] = [];
    const from = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      let b = index.get(id);
      if (b === undefined) {
        b = batches.length;
        index.set(id, b);
        batches.push(this.held.get(id)!.batch);
      }
      from[i] = b;
    }
    return gatherBatch(schema, batches, from, rows, count, extra);
  }

  clear(): void {
    this.held.clear();
    this.rows = 0;
  }
}
