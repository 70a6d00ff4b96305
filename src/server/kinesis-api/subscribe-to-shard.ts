// SubscribeToShard: an `application/vnd.amazon.eventstream` answer that pushes records as they commit,
// for up to five minutes, after which the client subscribes again from ContinuationSequenceNumber.
// The stream is pulled by the response (backpressure): a slow client holds at most one event in memory.

import { Readable } from 'node:stream';
import { EddyError, isEddyError, type ShardCursor } from '../../engine/index.js';
import { type AwsOperation, EventStreamResponse, operation } from '../aws-protocol/aws-json-service.js';
import { encodeEventStreamMessage } from '../aws-protocol/event-stream.js';
import { required, structure, timestamp } from '../aws-protocol/shape.js';
import type { WireCodec } from '../aws-protocol/wire-format.js';
import type { KinesisApiDeps } from './kinesis-api-deps.js';
import { consumerARN, sequenceNumber, shardId, shardIteratorType } from './kinesis-shapes.js';
import { shardPosition } from './record-operations.js';
import type { ShardSubscription } from './shard-subscriptions.js';
import { wireChildShard, wireRecords } from './wire-shapes.js';

export interface SubscribeToShardOptions {
  /** How long one subscription lasts (Kinesis: 5 minutes). */
  readonly durationMs?: number;
  /** An event is sent at least this often, with no records when none arrived, so clients see lag and liveness. */
  readonly heartbeatMs?: number;
}

/** Bounds one event: Kinesis delivers at most 2 MiB/s per shard to a consumer, so 1 MiB per event keeps up. */
const EVENT_MAX_RECORDS = 10_000;
const EVENT_MAX_BYTES = 1024 * 1024;

function eventMessage(codec: WireCodec, eventType: string, payload: unknown): Buffer {
  const body = codec.encode(payload);
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': codec.eventContentType, ':message-type': 'event' },
    typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  );
}

function exceptionMessage(codec: WireCodec, type: string, message: string): Buffer {
  const body = codec.encode({ message });
  return encodeEventStreamMessage(
    { ':exception-type': type, ':content-type': codec.eventContentType, ':message-type': 'exception' },
    typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  );
}

/**
 * Waits for records, for `ms` at most, or until a stop signal fires. Plain timers rather than
 * AbortSignal.timeout/any: on Node 20 a timeout signal only weakly held by a composite can be collected
 * before it fires, which would leave the wait hanging.
 */
async function waitForRecords(cursor: ShardCursor, stops: readonly AbortSignal[], ms: number): Promise<void> {
  const wake = new AbortController();
  const onStop = (): void => wake.abort();
  for (const s of stops) s.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(onStop, ms);
  try {
    if (!stops.some((s) => s.aborted)) await cursor.waitForRecords(wake.signal);
  } finally {
    clearTimeout(timer);
    for (const s of stops) s.removeEventListener('abort', onStop);
  }
}

async function* subscriptionEvents(
  cursor: ShardCursor,
  subscription: ShardSubscription,
  clientGone: AbortSignal,
  codec: WireCodec,
  durationMs: number,
  heartbeatMs: number,
  log: { error(obj: object, msg: string): void },
): AsyncGenerator<Buffer> {
  const stops = [subscription.signal, clientGone];
  const stopped = (): boolean => subscription.signal.aborted || clientGone.aborted;
  const deadline = performance.now() + durationMs;
  try {
    yield eventMessage(codec, 'initial-response', {});
    let lastEventAt = performance.now();
    // The deadline holds even while records keep arriving; the client then subscribes again.
    while (!stopped() && performance.now() < deadline) {
      const result = await cursor.read({ maxRecords: EVENT_MAX_RECORDS, maxBytes: EVENT_MAX_BYTES });
      const now = performance.now();
      if (result.records.length > 0 || result.endOfShard || now - lastEventAt >= heartbeatMs) {
        const event: Record<string, unknown> = {
          Records: wireRecords(result.records, codec),
          MillisBehindLatest: result.millisBehindLatest,
        };
        // At the end of a closed shard there is nothing to continue from; the children say where to go.
        // Before any record was read here, the number a shared log must look up; after, the last record's.
        const continuation = result.records.length === 0 ? await cursor.exactContinuationSequenceNumber() : cursor.continuationSequenceNumber;
        if (!result.endOfShard && continuation !== undefined) event.ContinuationSequenceNumber = continuation;
        if (result.childShards !== undefined) event.ChildShards = result.childShards.map(wireChildShard);
        yield eventMessage(codec, 'SubscribeToShardEvent', event);
        lastEventAt = performance.now();
      }
      if (result.endOfShard) return;
      if (result.records.length > 0) continue;
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      await waitForRecords(cursor, stops, Math.max(1, Math.ceil(Math.min(remaining, heartbeatMs - (performance.now() - lastEventAt)))));
    }
    const reason: unknown = subscription.signal.reason;
    if (subscription.signal.aborted && isEddyError(reason)) yield exceptionMessage(codec, reason.code, reason.message);
  } catch (err) {
    // A coded error reaches the client as it is (damaged records, say, whose fault is the disk's); only
    // internal failures become a generic InternalFailureException, with the detail in the log.
    if (isEddyError(err) && err.fault !== 'internal' && err.code !== 'InternalFailure') {
      if (err.fault === 'external') log.error({ err }, 'SubscribeToShard stopped');
      yield exceptionMessage(codec, err.code, err.message);
    } else {
      log.error({ err }, 'SubscribeToShard failed');
      yield exceptionMessage(codec, 'InternalFailureException', 'Internal service failure.');
    }
  } finally {
    cursor.close();
    subscription.release();
  }
}

export function subscribeToShardOperations(
  { store, subscriptions }: KinesisApiDeps,
  options: SubscribeToShardOptions = {},
): Record<string, AwsOperation> {
  const durationMs = options.durationMs ?? 300_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;

  const subscribeToShard = operation(
    structure({
      ConsumerARN: required(consumerARN()),
      ShardId: required(shardId()),
      StartingPosition: required(
        structure({ Type: required(shardIteratorType()), SequenceNumber: sequenceNumber(), Timestamp: timestamp() }),
      ),
    }),
    async (input, ctx) => {
      const { streamName, consumer } = store.consumerByArn(input.ConsumerARN);
      if (consumer.consumerStatus !== 'ACTIVE') {
        throw new EddyError('ResourceInUseException', `Consumer ${consumer.consumerARN} is ${consumer.consumerStatus}, not ACTIVE.`);
      }
      const start = input.StartingPosition;
      const position = shardPosition(start.Type, start.SequenceNumber, start.Timestamp);
      // On a log shared with other processes, LATEST is the end the cluster knows, not this process's view.
      if (position.type !== 'TRIM_HORIZON') await store.refreshShard(streamName, input.ShardId);
      const cursor = store.openCursor(streamName, input.ShardId, position);
      let subscription: ShardSubscription;
      try {
        subscription = subscriptions.start(consumer.consumerARN, input.ShardId);
      } catch (err) {
        cursor.close();
        throw err;
      }
      const events = subscriptionEvents(cursor, subscription, ctx.signal, ctx.codec, durationMs, heartbeatMs, ctx.log);
      return new EventStreamResponse(Readable.from(events, { objectMode: false, highWaterMark: 1 }));
    },
  );
  return { SubscribeToShard: subscribeToShard };
}
