// GROUP BY without a window: a continuously updated aggregate. After each batch it emits the new row of
// every key the batch touched (an upsert changelog keyed by the group columns).
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema, GroupAggregateNode } from '../query/plan.js';
import type { Clock } from '../clock.js';
import type { Collector, Operator, OperatorContext } from './operator.js';
import { Aggregation, arrowSchema, outputBatch, validateAggregates } from './aggregation.js';
import type { KeyValue } from './key-mapper.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit, groupByText } from './state-key-limit.js';

export class GroupAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  private readonly schema: Schema;
  private readonly agg: Aggregation;
  private slotOfKey = new Int32Array(0);
  private touchedAt = new Int32Array(0);
  private generation = 0;
  private readonly limit: StateKeyLimit;

  constructor(node: GroupAggregateNode, input: readonly ColumnSchema[], clock?: Clock, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    validateAggregates(node.aggregates, node.keys, []);
    this.limit = new StateKeyLimit(maxStateKeys, groupByText(node.keys, false));
    this.agg = new Aggregation(input, node.keys, node.aggregates, clock);
    this.outputColumns = [...node.keys.map((k) => ({ name: k.name, type: k.expr.type })), ...node.aggregates.map((a) => ({ name: a.name, type: a.type }))];
    this.schema = arrowSchema(this.outputColumns);
  }

  /** Distinct keys held (each one's state lives until the query stops). */
  get groups(): number {
    return this.agg.keys.size;
  }

  processBatch(batch: RecordBatch, _ctx: OperatorContext, out: Collector): void {
    const n = batch.numRows;
    if (n === 0) return;
    const agg = this.agg;
    const view = agg.view(batch);
    const keyIds = agg.keyIds(view);
    // Before any state is made for the batch's new keys: a failed query has nothing more to allocate.
    this.limit.check(agg.keys.size + agg.state.distinctValues, agg.state.distinctValues);
    this.ensure(agg.keys.size);
    const slots = new Int32Array(n);
    const touched: number[] = [];
    const gen = ++this.generation;
    for (let i = 0; i < n; i++) {
      const k = keyIds[i]!;
      let s = this.slotOfKey[k]!;
      if (s < 0) {
        s = agg.state.alloc();
        this.slotOfKey[k] = s;
      }
      if (this.touchedAt[k] !== gen) {
        this.touchedAt[k] = gen;
        touched.push(k);
      }
      slots[i] = s;
    }
    agg.accumulate(view, slots);
    if (agg.state.distinctValues > 0) this.limit.check(agg.keys.size + agg.state.distinctValues, agg.state.distinctValues);
    const count = touched.length;
    const touchedSlots = touched.map((k) => this.slotOfKey[k]!);
    out.emit(outputBatch(this.schema, [...agg.keys.columns(touched, count), ...agg.finalize(touchedSlots, count)], count));
  }

  private ensure(keys: number): void {
    if (this.slotOfKey.length >= keys) return;
    const cap = Math.max(keys, this.slotOfKey.length * 2, 64);
    const slots = new Int32Array(cap).fill(-1);
    slots.set(this.slotOfKey);
    this.slotOfKey = slots;
    const touched = new Int32Array(cap);
    touched.set(this.touchedAt);
    this.touchedAt = touched;
  }

  onWatermark(): void {}

  snapshot(): unknown {
    const groups: { key: KeyValue[]; acc: unknown[] }[] = [];
    for (let k = 0; k < this.agg.keys.size; k++) groups.push({ key: this.agg.keys.values(k), acc: this.agg.state.save(this.slotOfKey[k]!) });
    return { groups };
  }

  restore(snapshot: unknown): void {
    for (const g of (snapshot as { groups: { key: KeyValue[]; acc: unknown[] }[] }).groups) {
      const k = this.agg.keys.idOf(g.key);
      this.ensure(this.agg.keys.size);
      const s = this.agg.state.alloc();
      this.agg.state.load(s, g.acc);
      this.slotOfKey[k] = s;
    }
  }
}
