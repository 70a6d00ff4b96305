// The entry of a query worker thread: runs the queries the main thread assigns it, each a RunningQuery as
// on the main thread (plan compiled here, operators and their state here, checkpoints taken here), over
// the main thread's store through ThreadStore. Queries on one worker share it in slices as queries on the
// main thread do (QueryScheduler); a step also waits while the rows handed to the main thread are over
// their bound (MAX_ROWS_IN_FLIGHT). Status is sent to the main thread at most every STATUS_MS while a
// query works, once more after it stops working, and every second anyway.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { systemClock, type Clock } from '../../clock.js';
import { UserFunctions } from '../../udf/user-functions.js';
import { QueryScheduler } from '../query-scheduler.js';
import { RunningQuery } from '../running-query.js';
import { serializeError, type FromWorker, type ThreadWorkerData, type ToWorker } from './thread-protocol.js';
import { ThreadChannel, ThreadOutlet, ThreadStore } from './thread-store.js';

const STATUS_MS = 100;

const port = parentPort;
if (port === null) throw new Error('query-thread-main runs in a worker thread');
const data = workerData as ThreadWorkerData & { syncPort: MessagePort };
const channel = new ThreadChannel((m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []), data.callFlag, data.syncPort);
const store = new ThreadStore(channel);
const outlet = new ThreadOutlet(channel);
const mirrored = data.clock === undefined ? undefined : new Float64Array(data.clock);
const clock: Clock = mirrored === undefined ? systemClock : { now: () => mirrored[0]! };
const userFunctions = data.userFunctions === undefined ? undefined : new UserFunctions(data.userFunctions);

interface Hosted {
  readonly query: RunningQuery;
  sentAt: number;
}
const queries = new Map<string, Hosted>();
let trailing: NodeJS.Timeout | undefined;

function sendStatus(h: Hosted): void {
  h.sentAt = performance.now();
  channel.send({ type: 'status', status: h.query.status() });
}

/** Sends the status of queries that have not sent one for STATUS_MS, and once more when they go quiet. */
function statuses(): void {
  const now = performance.now();
  for (const h of queries.values()) if (now - h.sentAt >= STATUS_MS) sendStatus(h);
  if (trailing === undefined) {
    trailing = setTimeout(() => {
      trailing = undefined;
      for (const h of queries.values()) sendStatus(h);
    }, STATUS_MS);
  }
}
setInterval(() => {
  for (const h of queries.values()) sendStatus(h);
}, 1000).unref();

/** The slices of the main thread's queries, plus the bound on rows in flight and the status updates. */
class ThreadScheduler extends QueryScheduler {
  override async turn(): Promise<void> {
    statuses();
    await outlet.room();
    return super.turn();
  }
}
const scheduler = new ThreadScheduler();

function start(m: Extract<ToWorker, { type: 'start' }>): void {
  const s = data.settings;
  let query: RunningQuery;
  try {
    query = new RunningQuery(m.info, m.plan, {
      store,
      sinkTarget: () => store.sinkTarget(),
      clock,
      results: outlet,
      scheduler,
      ...(userFunctions === undefined ? {} : { userFunctions }),
      ...(s.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: s.idleTimeoutMs }),
      ...(s.batchSize === undefined ? {} : { batchSize: s.batchSize }),
      ...(s.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: s.checkpointIntervalMs }),
      ...(s.idleCheckIntervalMs === undefined ? {} : { idleCheckIntervalMs: s.idleCheckIntervalMs }),
      ...(s.startPosition === undefined ? {} : { startPosition: s.startPosition }),
      ...(s.maxBatchMillis === undefined ? {} : { maxBatchMillis: s.maxBatchMillis }),
      ...(s.maxStateKeys === undefined ? {} : { maxStateKeys: s.maxStateKeys }),
      ...(m.checkpoint === undefined ? {} : { checkpoint: m.checkpoint }),
      ...(m.persist
        ? {
            onCheckpoint: (checkpoint) => channel.callOrThrow<void>({ op: 'checkpoint', query: m.info.id, checkpoint }),
            onFailure: (error: string) => channel.send({ type: 'failure', query: m.info.id, error }),
          }
        : {}),
    });
  } catch (e) {
    channel.send({ type: 'startFailed', query: m.info.id, error: serializeError(e) });
    return;
  }
  outlet.setSubscribers(m.info.id, m.subscribers);
  const hosted = { query, sentAt: 0 };
  queries.set(m.info.id, hosted);
  query.start();
  sendStatus(hosted);
}

async function stop(id: string): Promise<void> {
  const h = queries.get(id);
  if (!h) return channel.send({ type: 'stopped', query: id });
  let error: ReturnType<typeof serializeError> | undefined;
  try {
    await h.query.stop();
  } catch (e) {
    error = serializeError(e);
  }
  queries.delete(id);
  outlet.forget(id);
  channel.send({ type: 'stopped', query: id, status: h.query.status(), ...(error === undefined ? {} : { error }) });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'reply':
      return channel.answered(m);
    case 'start':
      return start(m);
    case 'stop':
      return void stop(m.query);
    case 'poke':
      return queries.get(m.query)?.query.poke();
    case 'subscribers':
      return outlet.setSubscribers(m.query, m.count);
    case 'published':
      outlet.setSubscribers(m.query, m.subscribers);
      return outlet.published(m.rows);
    case 'streamEvent':
      return store.streamEvent(m.event);
    default: {
      const unknown: never = m;
      throw new Error(`unknown message ${JSON.stringify(unknown)}`);
    }
  }
});
