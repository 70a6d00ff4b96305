// GROUP BY without a window: a continuously updated aggregate. After each batch it emits, as a changelog
// (plan/changelog.ts), what the batch changed: +I for a group's first row, a -U/+U pair (the row the group
// had, the row it has now) for a group whose row changed, nothing for a group whose row stayed the same.
// With EMIT CHANGES EVERY (emitEveryMs) the changes are held instead and emitted together once per
// interval of the query's clock (held-changes.ts).
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ColumnSchema } from '../plan/schema.js';
import type { GroupAggregateNode } from '../plan/plan.js';
import type { ExprContext } from '../expr/compile-expr.js';
import { GROUP_KERNEL_PARAMS, groupKernelSource } from './aggregate-kernels.js';
import type { Collector, GeneratedCode, Operator, OperatorContext } from './operator.js';
import { Aggregation, arrowSchema, validateAggregates } from './aggregation.js';
import { EddyError } from '../errors.js';
import type { KeyValue } from './key-mapper.js';
import { changelogSchema } from '../batch/row-kinds.js';
import { updatePairs } from '../batch/update-pairs.js';
import { DEFAULT_MAX_STATE_KEYS, StateKeyLimit, groupByText } from './state-key-limit.js';
import { HeldChanges, type HeldSnapshot } from './held-changes.js';
import type { Column } from '../batch/column.js';

export class GroupAggregate implements Operator {
  readonly outputColumns: readonly ColumnSchema[];
  /** The output columns and the row kind (every batch it emits is a changelog batch). */
  private readonly schema: Schema;
  private readonly agg: Aggregation;
  private slotOfKey = new Int32Array(0);
  private touchedAt = new Int32Array(0);
  private generation = 0;
  private readonly limit: StateKeyLimit;
  /** Keys whose state changed since the last snapshot, each once (see `changedIn`). */
  private changed: number[] = [];
  /** Per key, the checkpoint epoch in which it was last added to `changed`. */
  private changedIn = new Int32Array(0);
  private epoch = 1;
  /** EMIT CHANGES EVERY: the changes not emitted yet. */
  private readonly held: HeldChanges | undefined;
  /** The version of the held changes the last snapshot or set of changes saved. */
  private heldSaved = 0;

  constructor(node: GroupAggregateNode, input: readonly ColumnSchema[], context: ExprContext = {}, maxStateKeys = DEFAULT_MAX_STATE_KEYS) {
    validateAggregates(node.aggregates, node.keys, []);
    const every = node.emitEveryMs;
    if (every !== undefined && !(Number.isSafeInteger(every) && every > 0)) throw new EddyError('ValidationException', `EMIT CHANGES EVERY needs a whole number of milliseconds > 0, got ${every}`);
    if (every !== undefined) this.held = new HeldChanges(every, node.aggregates.map((a) => a.type));
    // Held changes are part of the state: checkpoints of such a query have them (form 2).
    this.snapshotVersion = every === undefined ? 1 : 2;
    this.limit = new StateKeyLimit(maxStateKeys, groupByText(node.keys, false));
    this.agg = new Aggregation(input, node.keys, node.aggregates, context);
    this.outputColumns = [...node.keys.map((k) => ({ name: k.name, type: k.expr.type })), ...node.aggregates.map((a) => ({ name: a.name, type: a.type }))];
    this.schema = changelogSchema(arrowSchema(this.outputColumns));
  }

  generatedCode(): readonly GeneratedCode[] {
    const shape = this.agg.kernelShape;
    return this.agg.generatedCode(
      shape
        ? { what: 'aggregate loop, for a batch without NULLs (each argument with NULLs in a batch adds its test)', params: GROUP_KERNEL_PARAMS, body: groupKernelSource(shape, 0) }
        : { what: 'aggregate loop: none; COUNT(DISTINCT), STDDEV and MIN or MAX of text or booleans update their state column by column', params: [], body: '' },
    );
  }

  /** Distinct keys held (each one's state lives until the query stops). */
  get groups(): number {
    return this.agg.keys.size;
  }

  processBatch(batch: RecordBatch, ctx: OperatorContext, out: Collector): void {
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
    /** Per touched key, in order: 1 when it had a row before this batch. */
    const had: number[] = [];
    const gen = ++this.generation;
    for (let i = 0; i < n; i++) {
      const k = keyIds[i]!;
      let s = this.slotOfKey[k]!;
      if (s < 0) {
        s = agg.state.alloc();
        this.slotOfKey[k] = s;
        if (this.touchedAt[k] !== gen) had.push(0);
      } else if (this.touchedAt[k] !== gen) had.push(1);
      if (this.touchedAt[k] !== gen) {
        this.touchedAt[k] = gen;
        touched.push(k);
        if (this.changedIn[k] !== this.epoch) {
          this.changedIn[k] = this.epoch;
          this.changed.push(k);
        }
      }
      slots[i] = s;
    }
    const count = touched.length;
    const touchedSlots = touched.map((k) => this.slotOfKey[k]!);
    // The rows the groups had (new groups' slots are empty, and `had` says to take them as +I).
    const before = agg.finalize(touchedSlots, count);
    agg.accumulate(view, slots);
    if (agg.state.distinctValues > 0) this.limit.check(agg.keys.size + agg.state.distinctValues, agg.state.distinctValues);
    if (this.held) {
      this.held.hold(touched, had, before, ctx.clock.now());
      return;
    }
    this.emitChanges(touched, Uint8Array.from(had), before, out);
  }

  /** Emits what changed for `keys`: `before` (aggregate columns) is the row each had, where `had` says so. */
  private emitChanges(keys: readonly number[], had: Uint8Array, before: readonly Column[], out: Collector): void {
    const count = keys.length;
    const keyColumns = this.agg.keys.columns(keys, count);
    const after = this.agg.finalize(keys.map((k) => this.slotOfKey[k]!), count);
    const changes = updatePairs(this.schema, [...keyColumns, ...before], had, [...keyColumns, ...after], count);
    if (changes) out.emit(changes);
  }

  /** EMIT CHANGES EVERY: when the interval is up, one change per group for all it held. */
  onTime(nowMs: number, _ctx: OperatorContext, out: Collector): void {
    const due = this.held?.nextTimeMs;
    if (due === undefined || nowMs < due) return;
    const { keys, had, before } = this.held!.take();
    this.emitChanges(keys, had, before, out);
  }

  nextTimeMs(): number | undefined {
    return this.held?.nextTimeMs;
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
    const changedIn = new Int32Array(cap);
    changedIn.set(this.changedIn);
    this.changedIn = changedIn;
  }

  onWatermark(): void {}

  onClose(): void {
    this.agg.release();
    this.slotOfKey = new Int32Array(0);
    this.touchedAt = new Int32Array(0);
    this.changedIn = new Int32Array(0);
    this.changed = [];
  }

  /**
   * Every group, column-wise: the key values of group i at `keys[i * width …]` and its accumulators'
   * state at `accs[i]`, with no per-group object or repeated member names.
   */
  /**
   * 1: column-wise groups (GroupSnapshot), or the one object per group that came before them.
   * 2 (EMIT CHANGES EVERY): the same, with the changes held (`held`).
   */
  readonly snapshotVersion: number;

  snapshot(): GroupSnapshot {
    this.startEpoch();
    const all = new Array<number>(this.agg.keys.size);
    for (let k = 0; k < all.length; k++) all[k] = k;
    return this.withHeld(this.groupsOf(all));
  }

  /** Every snapshot and every set of changes carries all that is held (it is small: a row per group at most). */
  private withHeld(groups: GroupSnapshot): GroupSnapshot {
    if (!this.held) return groups;
    this.heldSaved = this.held.version;
    return { ...groups, held: this.held.save((k) => this.agg.keys.values(k)) };
  }

  restore(snapshot: unknown): void {
    this.load(snapshot);
  }

  /** The groups changed since the last snapshot, in the snapshot's form (this operator never drops a group). */
  snapshotChanges(): GroupSnapshot {
    const changed = this.changed;
    this.startEpoch();
    return this.withHeld(this.groupsOf(changed));
  }

  restoreChanges(changes: unknown): void {
    this.load(changes);
  }

  stateEntries(): number {
    return this.agg.keys.size;
  }

  changedEntries(): number {
    // Held changes that were taken or added since the last save count as one entry more.
    return this.changed.length + (this.held && this.held.version !== this.heldSaved ? 1 : 0);
  }

  private startEpoch(): void {
    this.changed = [];
    this.epoch++;
  }

  private groupsOf(keyIds: readonly number[]): GroupSnapshot {
    const keys = this.agg.keys;
    const width = keys.types.length;
    const flat = new Array<KeyValue>(keyIds.length * width);
    const accs = new Array<unknown[]>(keyIds.length);
    for (let i = 0; i < keyIds.length; i++) {
      const k = keyIds[i]!;
      const values = keys.values(k);
      for (let c = 0; c < width; c++) flat[i * width + c] = values[c]!;
      accs[i] = this.agg.state.save(this.slotOfKey[k]!);
    }
    return { width, keys: flat, accs };
  }

  /** Sets the state of the groups given (a snapshot, or changes on top of one); reads the older per-group form too. */
  private load(state: unknown): void {
    const agg = this.agg;
    const put = (key: readonly KeyValue[], acc: readonly unknown[]): void => {
      const k = agg.keys.idOf(key);
      this.ensure(agg.keys.size);
      let s = this.slotOfKey[k]!;
      if (s < 0) this.slotOfKey[k] = s = agg.state.alloc();
      else agg.state.reset(s);
      agg.state.load(s, acc);
    };
    if (isLegacyGroups(state)) {
      for (const g of state.groups) put(g.key, g.acc);
      return;
    }
    const { width, keys, accs, held } = state as GroupSnapshot;
    for (let i = 0; i < accs.length; i++) put(keys.slice(i * width, (i + 1) * width), accs[i]!);
    if (held && this.held) this.held.load(held, (values) => agg.keys.idOf(values));
  }
}

/** A GROUP BY's state (or the part of it that changed) as checkpoints hold it. */
interface GroupSnapshot {
  /** Key columns per group. */
  readonly width: number;
  readonly keys: readonly KeyValue[];
  readonly accs: readonly (readonly unknown[])[];
  /** Form 2 (EMIT CHANGES EVERY): the changes held when it was taken. */
  readonly held?: HeldSnapshot;
}

/** The form checkpoints had before the column-wise one: one object per group. */
function isLegacyGroups(state: unknown): state is { groups: { key: KeyValue[]; acc: unknown[] }[] } {
  return typeof state === 'object' && state !== null && Array.isArray((state as { groups?: unknown }).groups);
}
