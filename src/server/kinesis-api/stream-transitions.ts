// Kinesis's transitional stream states, as Kinesis clients see them. AWS creates, deletes and reshards
// streams asynchronously: CreateStream answers at once and the stream is CREATING for a while, DeleteStream
// leaves it DELETING, and SplitShard, MergeShards, UpdateShardCount and UpdateStreamMode leave it UPDATING;
// meanwhile the calls that need an ACTIVE stream are refused with ResourceInUseException. Code written for
// Kinesis waits for that (the SDK's StreamExists waiter, retries on ResourceInUse), so Eddy shows it too.
//
// The states live here, at the Kinesis API, not in the store: the store's changes are complete when its
// calls resolve, so the engine's own callers (CREATE STREAM in SQL, a delivery stream's internal stream,
// the console) use a stream as soon as they made it, and a query may read a stream Kinesis clients still
// see as CREATING. Only what Kinesis clients see, and may do, waits out the durations, which follow the
// injected clock: a state ends when the clock passes its end, with no timer.

import { EddyError, resolveShardId, type Clock, type StreamDescription, type StreamStore, type StreamSummary } from '../../engine/index.js';

/**
 * How long each transitional state lasts unless set: short, so code that waits as it must for Kinesis
 * (the StreamExists waiter, retries on ResourceInUseException) meets the states, and code that does not
 * fails here as it would against AWS, without slowing anyone down. 0 turns a state off.
 */
export const DEFAULT_STREAM_TRANSITION_MS = 500;

export interface StreamTransitionOptions {
  /** How long a stream created through the Kinesis API is CREATING, ms (default 500; 0: ACTIVE at once). */
  readonly createStreamMs?: number;
  /** How long a deleted stream is still shown, DELETING, ms (default 500; 0: gone at once). */
  readonly deleteStreamMs?: number;
  /** How long SplitShard, MergeShards, UpdateShardCount and UpdateStreamMode keep a stream UPDATING, ms (default 500; 0: none). */
  readonly updateStreamMs?: number;
}

/** No transitional states: streams are ACTIVE, gone or resharded as the call returns (for tests that want speed). */
export const IMMEDIATE_STREAM_TRANSITIONS: StreamTransitionOptions = { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 };

type Transition = 'CREATING' | 'UPDATING' | 'DELETING';

const accountOf = (arn: string): string => arn.split(':')[4] ?? '';

export function withStreamTransitions(store: StreamStore, clock: Clock, options: StreamTransitionOptions = {}): StreamStore {
  const createMs = options.createStreamMs ?? DEFAULT_STREAM_TRANSITION_MS;
  const deleteMs = options.deleteStreamMs ?? DEFAULT_STREAM_TRANSITION_MS;
  const updateMs = options.updateStreamMs ?? DEFAULT_STREAM_TRANSITION_MS;
  if (createMs <= 0 && deleteMs <= 0 && updateMs <= 0) return store;

  const creating = new Map<string, number>();
  const updating = new Map<string, number>();
  /** Deleted streams still shown, with what they looked like. */
  const deleting = new Map<string, { readonly until: number; readonly description: StreamDescription }>();

  // A stream made or dropped another way (SQL, the console) ends what was shown for its name.
  store.onStreamEvent((event) => {
    if (event.type === 'created') deleting.delete(event.streamName);
    if (event.type === 'deleted') {
      creating.delete(event.streamName);
      updating.delete(event.streamName);
    }
  });

  /** The name's state as shown, if transitional; ended states are forgotten as they are met. */
  function stateOf(streamName: string): Transition | undefined {
    const now = clock.now();
    const gone = deleting.get(streamName);
    if (gone !== undefined) {
      if (now < gone.until) return 'DELETING';
      deleting.delete(streamName);
    }
    for (const [state, until] of [
      ['CREATING', creating],
      ['UPDATING', updating],
    ] as const) {
      const end = until.get(streamName);
      if (end === undefined) continue;
      if (now < end) return state;
      until.delete(streamName);
    }
    return undefined;
  }

  const accountIdOf = (streamName: string): string =>
    accountOf(deleting.get(streamName)?.description.streamARN ?? store.describeStream(streamName).streamARN);

  const notActive = (streamName: string, state: Transition): EddyError =>
    new EddyError('ResourceInUseException', `Stream ${streamName} under account ${accountIdOf(streamName)} not ACTIVE, instead in state ${state}`);

  /** Control operations need an ACTIVE stream; a deleted one is not found, as the store says. */
  function requireActive(streamName: string): void {
    const state = stateOf(streamName);
    if (state === 'CREATING' || state === 'UPDATING') throw notActive(streamName, state);
  }

  /** SplitShard and MergeShards check their shard ids' form before the stream's state. */
  function requireActiveWithShards(streamName: string, ...shardIds: string[]): void {
    const state = stateOf(streamName);
    if (state === undefined) return;
    for (const shardId of shardIds) {
      if (resolveShardId(shardId) === undefined) {
        throw new EddyError('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${streamName} under account ${accountIdOf(streamName)}.`);
      }
    }
    if (state !== 'DELETING') throw notActive(streamName, state);
  }

  const shown = (summary: StreamSummary): StreamSummary => {
    const state = stateOf(summary.streamName);
    return state === undefined ? summary : { ...summary, status: state };
  };

  function describe(streamName: string): StreamDescription {
    if (stateOf(streamName) === 'DELETING') return deleting.get(streamName)!.description;
    const d = store.describeStream(streamName);
    const state = stateOf(streamName);
    if (state === 'CREATING') {
      // A stream being created shows no shards yet.
      const { damagedShards: _omitted, ...rest } = d;
      return { ...rest, status: 'CREATING', shards: [], openShardCount: 0 };
    }
    return state === 'UPDATING' ? { ...d, status: 'UPDATING' } : d;
  }

  const startUpdating = (streamName: string): void => {
    if (updateMs > 0) updating.set(streamName, clock.now() + updateMs);
  };

  const overrides: Partial<StreamStore> = {
    async createStream(streamName, createOptions) {
      if (stateOf(streamName) === 'DELETING') {
        throw new EddyError('ResourceInUseException', `Stream ${streamName} under account ${accountIdOf(streamName)} already exists.`);
      }
      await store.createStream(streamName, createOptions);
      if (createMs > 0) creating.set(streamName, clock.now() + createMs);
    },
    async deleteStream(streamName, deleteOptions) {
      // Deleting a stream that is being deleted changes nothing, as with Kinesis.
      if (stateOf(streamName) === 'DELETING') return;
      const before = store.describeStream(streamName);
      await store.deleteStream(streamName, deleteOptions);
      creating.delete(streamName);
      updating.delete(streamName);
      if (deleteMs > 0) {
        const { damagedShards: _omitted, ...rest } = before;
        deleting.set(streamName, { until: clock.now() + deleteMs, description: { ...rest, status: 'DELETING', shards: [], openShardCount: 0, consumerCount: 0 } });
      }
    },
    listStreams() {
      const listed = store.listStreams().map(shown);
      const names = new Set(listed.map((s) => s.streamName));
      for (const name of [...deleting.keys()]) {
        if (!names.has(name) && stateOf(name) === 'DELETING') listed.push(deleting.get(name)!.description);
      }
      return listed.sort((a, b) => (a.streamName < b.streamName ? -1 : a.streamName > b.streamName ? 1 : 0));
    },
    describeStream: describe,
    streamNameFromArn(streamARN) {
      for (const [name, { description }] of deleting) if (description.streamARN === streamARN && stateOf(name) === 'DELETING') return name;
      return store.streamNameFromArn(streamARN);
    },
    putRecord(streamName, record, putOptions) {
      if (stateOf(streamName) === 'CREATING') return Promise.reject(streamNotFound(streamName));
      return store.putRecord(streamName, record, putOptions);
    },
    putRecords(streamName, records) {
      if (stateOf(streamName) === 'CREATING') return Promise.reject(streamNotFound(streamName));
      return store.putRecords(streamName, records);
    },
    getShardIterator(streamName, shardId, position) {
      if (stateOf(streamName) === 'CREATING') {
        const resolved = resolveShardId(shardId);
        const account = accountIdOf(streamName);
        throw resolved === undefined
          ? new EddyError('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${streamName} under account ${account}.`)
          : new EddyError('ResourceNotFoundException', `Shard ${resolved.shardId} in stream ${streamName} under account ${account} does not exist`);
      }
      return store.getShardIterator(streamName, shardId, position);
    },
    async splitShard(streamName, shardToSplit, newStartingHashKey) {
      requireActiveWithShards(streamName, shardToSplit);
      await store.splitShard(streamName, shardToSplit, newStartingHashKey);
      startUpdating(streamName);
    },
    async mergeShards(streamName, shardToMerge, adjacentShardToMerge) {
      requireActiveWithShards(streamName, shardToMerge, adjacentShardToMerge);
      await store.mergeShards(streamName, shardToMerge, adjacentShardToMerge);
      startUpdating(streamName);
    },
    async updateShardCount(streamName, target) {
      requireActive(streamName);
      const result = await store.updateShardCount(streamName, target);
      if (result.currentShardCount !== result.targetShardCount) startUpdating(streamName);
      return result;
    },
    async updateStreamMode(streamName, mode) {
      requireActive(streamName);
      const before = store.describeStream(streamName).mode;
      await store.updateStreamMode(streamName, mode);
      if (before !== mode) startUpdating(streamName);
    },
    increaseRetentionPeriod(streamName, hours) {
      requireActive(streamName);
      return store.increaseRetentionPeriod(streamName, hours);
    },
    decreaseRetentionPeriod(streamName, hours) {
      requireActive(streamName);
      return store.decreaseRetentionPeriod(streamName, hours);
    },
    registerConsumer(streamName, consumerName) {
      const state = stateOf(streamName);
      if (state === 'CREATING') return Promise.reject(notActive(streamName, state));
      return store.registerConsumer(streamName, consumerName);
    },
  };

  function streamNotFound(streamName: string): EddyError {
    return new EddyError('ResourceNotFoundException', `Stream ${streamName} under account ${accountIdOf(streamName)} not found.`);
  }

  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof StreamStore];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(property);
      if (fn === undefined) bound.set(property, (fn = value.bind(target)));
      return fn;
    },
  });
}
