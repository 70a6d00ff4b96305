// On a query worker: the stream store, the result outlet and the checkpoint writer of the queries it runs,
// each a call to the main thread, which owns them. Calls a query's read loop needs answered before it
// goes on and that are rare (describing a stream, opening a shard's cursor) block the worker until the
// main thread answers (Atomics.wait on a shared flag, the answer taken with receiveMessageOnPort), so
// RunningQuery and SourceReader run here unchanged; reads, waits, puts and checkpoints are awaited.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Row } from '../../batch/rows.js';
import { EddyError, type ErrorCode, type Fault } from '../../errors.js';
import type {
  InternalPutOptions,
  PutRecordInput,
  PutRecordsEntry,
  ShardCursor,
  ShardPosition,
  ShardReadResult,
  StreamDescription,
  StreamEvent,
  StreamRecord,
  StreamSummary,
} from '../../stream/stream-store.js';
import type { DecodeWarning } from '../decode-warnings.js';
import type { QueryStore } from '../query-store.js';
import type { ResultOutlet } from '../result-relay.js';
import { unpackRecords } from './record-transfer.js';
import type { FromWorker, SerializedError, StoreCall, ToWorker } from './thread-protocol.js';

/**
 * Rows a worker's queries may have handed to the main thread and not yet seen taken (published to the
 * subscribers' queues): past it, every query on the worker waits before its next step.
 */
export const MAX_ROWS_IN_FLIGHT = 10_000;

type Reply = Extract<ToWorker, { type: 'reply' }>;

export function deserializeError(e: SerializedError): Error {
  if (e.code === undefined) return new Error(e.message);
  return new EddyError(e.code as ErrorCode, e.message, e.fault as Fault | undefined);
}

/** The worker's end of the conversation with the main thread. */
export class ThreadChannel {
  private nextCall = 1;
  private readonly pending = new Map<number, { resolve(reply: Reply): void }>();
  private readonly flag: Int32Array;

  constructor(
    private readonly post: (message: FromWorker, transfer?: ArrayBuffer[]) => void,
    callFlag: SharedArrayBuffer,
    private readonly syncPort: MessagePort,
  ) {
    this.flag = new Int32Array(callFlag);
  }

  /** Asks the main thread and blocks until it answers. */
  callSync<T>(request: StoreCall): T {
    const call = this.nextCall++;
    Atomics.store(this.flag, 0, 0);
    this.post({ type: 'call', call, sync: true, request });
    Atomics.wait(this.flag, 0, 0);
    const reply = receiveMessageOnPort(this.syncPort)?.message as Reply | undefined;
    if (reply === undefined) throw new EddyError('InternalFailure', `the main thread did not answer ${request.op}`);
    if (reply.error) throw deserializeError(reply.error);
    return reply.result as T;
  }

  /** Asks the main thread; `signal` withdraws the call (its promise then resolves with nothing). */
  call(request: StoreCall, signal?: AbortSignal): Promise<Reply> {
    const call = this.nextCall++;
    return new Promise<Reply>((resolve) => {
      if (signal?.aborted) return resolve({ type: 'reply', call });
      const onAbort = (): void => {
        this.pending.delete(call);
        this.post({ type: 'cancel', call });
        resolve({ type: 'reply', call });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(call, {
        resolve: (reply) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(reply);
        },
      });
      this.post({ type: 'call', call, sync: false, request });
    });
  }

  async callOrThrow<T>(request: StoreCall): Promise<T> {
    const reply = await this.call(request);
    if (reply.error) throw deserializeError(reply.error);
    return reply.result as T;
  }

  /** An answer to an awaited call arrived. */
  answered(reply: Reply): void {
    const p = this.pending.get(reply.call);
    if (!p) return;
    this.pending.delete(reply.call);
    p.resolve(reply);
  }

  send(message: FromWorker): void {
    this.post(message);
  }
}

/** The main thread's store, as the queries on this worker see it. */
export class ThreadStore implements QueryStore {
  private nextCursor = 1;
  private readonly listeners = new Set<(event: StreamEvent) => void>();

  constructor(private readonly channel: ThreadChannel) {}

  describeStream(streamName: string): StreamDescription {
    return this.channel.callSync({ op: 'describeStream', stream: streamName });
  }

  listStreams(): StreamSummary[] {
    return this.channel.callSync({ op: 'listStreams' });
  }

  openCursor(streamName: string, shardId: string, position: ShardPosition): ShardCursor {
    const cursor = this.nextCursor++;
    this.channel.callSync({ op: 'openCursor', cursor, stream: streamName, shardId, position });
    return new ThreadCursor(this.channel, cursor, streamName, shardId);
  }

  putRecords(streamName: string, records: readonly PutRecordInput[], internal?: InternalPutOptions): Promise<PutRecordsEntry[]> {
    return this.channel.callOrThrow({ op: 'put', stream: streamName, sink: false, records, ...(internal === undefined ? {} : { internal }) });
  }

  /** Where the query's INSERT INTO writes: the stream's connector when it has one, as on the main thread. */
  sinkTarget(): { putRecords: ThreadStore['putRecords'] } {
    return {
      putRecords: (streamName, records, internal) => this.channel.callOrThrow({ op: 'put', stream: streamName, sink: true, records, ...(internal === undefined ? {} : { internal }) }),
    };
  }

  onStreamEvent(listener: (event: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  streamEvent(event: StreamEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}

/** A cursor the main thread holds; its records arrive packed in a transferred buffer. */
class ThreadCursor implements ShardCursor {
  private last: StreamRecord | undefined;
  private closed = false;

  constructor(
    private readonly channel: ThreadChannel,
    private readonly id: number,
    readonly streamName: string,
    readonly shardId: string,
  ) {}

  /** Made from the last record only when a checkpoint asks (once a checkpoint, not once a batch). */
  get lastSequenceNumber(): string | undefined {
    return this.last?.sequenceNumber;
  }

  get continuationSequenceNumber(): string | undefined {
    return this.lastSequenceNumber;
  }

  exactContinuationSequenceNumber(): Promise<string | undefined> {
    return Promise.resolve(this.lastSequenceNumber);
  }

  async read(limits?: { maxRecords?: number; maxBytes?: number }): Promise<ShardReadResult> {
    const reply = await this.channel.call({ op: 'read', cursor: this.id, ...(limits?.maxRecords === undefined ? {} : { maxRecords: limits.maxRecords }), ...(limits?.maxBytes === undefined ? {} : { maxBytes: limits.maxBytes }) });
    if (reply.error) throw deserializeError(reply.error);
    const records = reply.records ? unpackRecords(reply.records) : [];
    if (records.length > 0) this.last = records[records.length - 1];
    return { ...(reply.result as Omit<ShardReadResult, 'records'>), records };
  }

  async waitForRecords(signal?: AbortSignal): Promise<void> {
    if (this.closed) return;
    const reply = await this.channel.call({ op: 'wait', cursor: this.id }, signal);
    if (reply.error) throw deserializeError(reply.error);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.channel.call({ op: 'closeCursor', cursor: this.id });
  }
}

/** Where the queries on this worker hand their results: to the main thread's hub, with a bound on rows in flight. */
export class ThreadOutlet implements ResultOutlet {
  private readonly subscribers = new Map<string, number>();
  private inFlight = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly channel: ThreadChannel) {}

  publish(queryId: string, rows: Row[]): void {
    if (rows.length === 0) return;
    this.inFlight += rows.length;
    this.channel.send({ type: 'publish', query: queryId, rows });
  }

  warn(queryId: string, warning: DecodeWarning): void {
    this.channel.send({ type: 'warn', query: queryId, warning });
  }

  fail(queryId: string, message: string): void {
    this.channel.send({ type: 'fail', query: queryId, message });
  }

  end(queryId: string): void {
    this.channel.send({ type: 'end', query: queryId });
  }

  /** As the main thread last said (it says so on every subscribe, and with every batch it publishes). */
  subscriberCount(queryId: string): number {
    return this.subscribers.get(queryId) ?? 0;
  }

  setSubscribers(queryId: string, count: number): void {
    if (count === 0) this.subscribers.delete(queryId);
    else this.subscribers.set(queryId, count);
  }

  forget(queryId: string): void {
    this.subscribers.delete(queryId);
  }

  /** The main thread has taken `rows` rows. */
  published(rows: number): void {
    this.inFlight -= rows;
    if (this.inFlight >= MAX_ROWS_IN_FLIGHT) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }

  /** Resolves once the rows in flight are under the bound. */
  room(): Promise<void> | undefined {
    if (this.inFlight < MAX_ROWS_IN_FLIGHT) return undefined;
    return new Promise((r) => this.waiting.push(r));
  }
}
