// The messages between the main thread and a query worker (see query-thread-pool.ts). Everything here is
// structured-clone safe: plans and checkpoints are JSON-safe data (typed arrays and BigInts clone too).
import type { Row } from '../../batch/rows.js';
import type { QueryCheckpoint } from '../../plan/checkpoint.js';
import type { QueryPlan } from '../../plan/plan.js';
import type { InternalPutOptions, PutRecordInput, ShardPosition, StreamEvent } from '../../stream/stream-store.js';
import type { UserFunctionsOptions } from '../../udf/user-functions.js';
import type { DecodeWarning } from '../decode-warnings.js';
import type { QueryManagerOptions } from '../query-manager.js';
import type { QueryInfo, QueryStatus } from '../running-query.js';
import type { TransferredRecords } from './record-transfer.js';

/** The settings a query runs with, as the main thread's query manager was given them (all clone safely). */
export type ThreadQuerySettings = Pick<
  QueryManagerOptions,
  'idleTimeoutMs' | 'batchSize' | 'checkpointIntervalMs' | 'idleCheckIntervalMs' | 'startPosition' | 'maxBatchMillis' | 'maxStateKeys'
>;

/** What a worker is started with (its workerData). */
export interface ThreadWorkerData {
  /** One int32 the main thread sets (and notifies) once it has answered a synchronous call. */
  readonly callFlag: SharedArrayBuffer;
  /** The main thread's clock, mirrored (a float64 of epoch ms); absent: the worker reads the system clock. */
  readonly clock?: SharedArrayBuffer;
  readonly settings: ThreadQuerySettings;
  readonly userFunctions?: UserFunctionsOptions;
}

/** A store call the worker makes. Synchronous ones block the worker until answered; the rest are awaited. */
export type StoreCall =
  | { readonly op: 'describeStream'; readonly stream: string }
  | { readonly op: 'listStreams' }
  | { readonly op: 'openCursor'; readonly cursor: number; readonly stream: string; readonly shardId: string; readonly position: ShardPosition }
  | { readonly op: 'read'; readonly cursor: number; readonly maxRecords?: number; readonly maxBytes?: number }
  | { readonly op: 'wait'; readonly cursor: number }
  | { readonly op: 'closeCursor'; readonly cursor: number }
  /** `sink`: the query's INSERT INTO target (a connector's, where the stream has one); otherwise the store. */
  | { readonly op: 'put'; readonly stream: string; readonly sink: boolean; readonly records: readonly PutRecordInput[]; readonly internal?: InternalPutOptions }
  | { readonly op: 'checkpoint'; readonly query: string; readonly checkpoint: QueryCheckpoint };

export interface SerializedError {
  readonly code?: string;
  readonly fault?: string;
  readonly message: string;
}

export type ToWorker =
  | { readonly type: 'start'; readonly info: QueryInfo; readonly plan: QueryPlan; readonly checkpoint?: QueryCheckpoint; readonly persist: boolean; readonly subscribers: number }
  | { readonly type: 'stop'; readonly query: string }
  | { readonly type: 'poke'; readonly query: string }
  | { readonly type: 'subscribers'; readonly query: string; readonly count: number }
  | { readonly type: 'published'; readonly query: string; readonly rows: number; readonly subscribers: number }
  | { readonly type: 'reply'; readonly call: number; readonly result?: unknown; readonly records?: TransferredRecords; readonly error?: SerializedError }
  | { readonly type: 'streamEvent'; readonly event: StreamEvent };

export type FromWorker =
  | { readonly type: 'call'; readonly call: number; readonly sync: boolean; readonly request: StoreCall }
  | { readonly type: 'cancel'; readonly call: number }
  | { readonly type: 'status'; readonly status: QueryStatus }
  | { readonly type: 'publish'; readonly query: string; readonly rows: Row[] }
  | { readonly type: 'warn'; readonly query: string; readonly warning: DecodeWarning }
  | { readonly type: 'fail'; readonly query: string; readonly message: string }
  | { readonly type: 'end'; readonly query: string }
  /** The query failed of its own making: the catalog records it (RunningQueryOptions.onFailure). */
  | { readonly type: 'failure'; readonly query: string; readonly error: string }
  | { readonly type: 'startFailed'; readonly query: string; readonly error: SerializedError }
  /** `status`: absent for a query the worker never ran; `error`: the final checkpoint could not be written. */
  | { readonly type: 'stopped'; readonly query: string; readonly status?: QueryStatus; readonly error?: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const coded = e as Error & { code?: unknown; fault?: unknown };
    return { message: e.message, ...(typeof coded.code === 'string' ? { code: coded.code } : {}), ...(typeof coded.fault === 'string' ? { fault: coded.fault } : {}) };
  }
  return { message: String(e) };
}
