// Reads one JetStream stream forward from a sequence number, without blocking: an ephemeral consumer
// (no acknowledgements, in memory, on one server) pulled with `no_wait`, so a pull answers with what is
// stored now and an empty pull costs one round trip. A cursor or a chain of GetRecords calls keeps one
// reader; the shard log keeps a few and hands each read the reader already at its offset.
//
// A reader makes one attempt per call. When it fails (the consumer's node went down, a leader is being
// elected, the server removed the consumer) the reader lets its consumer go and stays where it stood, so
// the next call starts a new consumer at the first message not yet returned; the shard log decides how
// long to keep trying (see JetStreamShardLog.read).
//
// A consumer is created with a short wait for the answer: nats-server before 2.9.12 places a consumer of
// one replica on any of its stream's nodes, a node that is down included (nats-io/nats-server#3791,
// fixed by #3820), and nobody answers such a create. With one node of three down, a third of creates
// went unanswered, each holding the read up for the whole JetStream API timeout (10 s); three or four in
// a row left a shard unread past a query's idle timeout (30 s). A create unanswered for CREATE_TIMEOUT_MS is given up
// (and its consumer deleted, should it exist) and the next read tries another placement.

import { randomBytes } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** A message as stored: its stream sequence, payload, and how many follow it in the stream now. */
export interface StoredMessage {
  readonly seq: number;
  readonly payload: Uint8Array;
  /** Messages stored after this one when it was delivered (so the stream's end is `seq + pending`). */
  readonly pending: number;
}

/** A consumer left unused this long is removed by the server (a process that died leaves none behind). */
const INACTIVE_THRESHOLD_NS = 60_000_000_000;
/** A pull waits this long for the server before failing (a node being killed, a leader being elected). */
const PULL_TIMEOUT_MS = 5_000;
/**
 * A consumer create waits this long for its answer (a create answered at all takes milliseconds on a
 * cluster of nearby nodes); after every CREATES_PER_LONGER_WAIT unanswered in a row the wait doubles, up
 * to MAX_CREATE_TIMEOUT_MS, so a cluster slower to answer than that is still read.
 */
const CREATE_TIMEOUT_MS = 1_000;
const CREATES_PER_LONGER_WAIT = 3;
const MAX_CREATE_TIMEOUT_MS = 10_000;

export class JetStreamReader {
  /** The stream sequence of the next message this reader returns. */
  nextSeq: number;
  lastUsed = 0;
  private consumerName: string | undefined;
  private inbox: string | undefined;
  private subscription: Subscription | undefined;
  /** Consumer sequence of the last message delivered, to notice a message lost on the way. */
  private consumerSeq = 0;
  private pull: { readonly want: number; readonly got: StoredMessage[]; resolve(): void; reject(e: unknown): void } | undefined;
  private closed = false;
  /** Consumer creates left unanswered since the last one answered. */
  private unansweredCreates = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    startSeq: number,
  ) {
    this.nextSeq = startSeq;
  }

  /**
   * Up to `max` messages from `nextSeq` on, as many as the consumer's server holds now (none when it is at
   * the end, or on a replica still catching up). A failure leaves `nextSeq` where it was.
   */
  async next(max: number): Promise<StoredMessage[]> {
    if (this.closed) throw new Error(`reader of ${this.stream} is closed`);
    try {
      if (this.consumerName === undefined) await this.open();
      const got = await this.pullOnce(max);
      if (got.length > 0) this.nextSeq = got[got.length - 1]!.seq + 1;
      return got;
    } catch (e) {
      // Whatever went wrong, the consumer may be gone or on a node that is: the next call starts anew.
      this.dropConsumer();
      throw e;
    }
  }

  /**
   * Lets the consumer go, so the next call starts a new one where this reader stands: one on a replica
   * that answers nothing while the stream is known to hold more may be placed better the second time.
   */
  restart(): void {
    this.dropConsumer();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pull?.reject(new Error('reader closed'));
    this.dropConsumer();
  }

  /** Creates the consumer under a name of its own, so one whose create went unanswered can be deleted. */
  private async open(): Promise<void> {
    const name = `eddy_${randomBytes(8).toString('hex')}`;
    const config: Partial<ConsumerConfig> = {
      name,
      ack_policy: AckPolicy.None,
      deliver_policy: this.nextSeq <= 1 ? DeliverPolicy.All : DeliverPolicy.StartSequence,
      ...(this.nextSeq <= 1 ? {} : { opt_start_seq: this.nextSeq }),
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: INACTIVE_THRESHOLD_NS,
    };
    const timeout = Math.min(MAX_CREATE_TIMEOUT_MS, CREATE_TIMEOUT_MS * 2 ** Math.floor(this.unansweredCreates / CREATES_PER_LONGER_WAIT));
    let answer: { error?: { code?: number; description?: string } };
    try {
      const reply = await this.nc.request(`$JS.API.CONSUMER.CREATE.${this.stream}.${name}`, JSON.stringify({ stream_name: this.stream, config, action: 'create' }), { timeout });
      answer = reply.json();
    } catch (e) {
      if (!/timeout|timed out/i.test(String((e as Error)?.message ?? e))) throw e;
      this.unansweredCreates++;
      // Placed on a node that is down, most likely: should it come back, its consumer is not left behind.
      void this.jsm.consumers.delete(this.stream, name).catch(() => undefined);
      throw new ConsumerGoneError(`creating a consumer of ${this.stream}: no answer in ${timeout} ms`);
    }
    if (answer.error !== undefined) throw new Error(`creating a consumer of ${this.stream}: ${answer.error.code ?? ''} ${answer.error.description ?? ''}`);
    this.unansweredCreates = 0;
    this.consumerName = name;
    this.consumerSeq = 0;
    this.inbox = createInbox();
    this.subscription = this.nc.subscribe(this.inbox, { callback: (err, msg) => this.delivered(err, msg) });
  }

  private pullOnce(max: number): Promise<StoredMessage[]> {
    const got: StoredMessage[] = [];
    return new Promise<StoredMessage[]>((resolve, reject) => {
      const timer = setTimeout(() => finish(new ConsumerGoneError(`pull from ${this.stream} timed out`)), PULL_TIMEOUT_MS);
      const finish = (error?: unknown): void => {
        clearTimeout(timer);
        this.pull = undefined;
        if (error === undefined) resolve(got);
        else reject(error);
      };
      this.pull = { want: max, got, resolve: () => finish(), reject: finish };
      this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumerName!}`, JSON.stringify({ batch: max, no_wait: true }), {
        reply: this.inbox!,
      });
    });
  }

  private delivered(err: Error | null, msg: Msg): void {
    const pull = this.pull;
    if (pull === undefined) return;
    if (err !== null) {
      pull.reject(err);
      return;
    }
    const status = msg.headers?.code ?? 0;
    if (status !== 0 && msg.data.length === 0) {
      // 404/408: nothing (more) stored now; 409: the consumer was deleted or the leader changed.
      if (status === 404 || status === 408) pull.resolve();
      else pull.reject(new ConsumerGoneError(`pull from ${this.stream}: ${status} ${msg.headers?.description ?? ''}`));
      return;
    }
    const meta = parseAckSubject(msg.reply);
    if (meta === undefined) {
      pull.reject(new Error(`message of ${this.stream} without JetStream metadata`));
      return;
    }
    if (meta.consumerSeq !== this.consumerSeq + 1) {
      // A message was lost between server and client: read again from the last one kept.
      pull.reject(new ConsumerGoneError(`gap in delivery from ${this.stream}`));
      return;
    }
    this.consumerSeq = meta.consumerSeq;
    pull.got.push({ seq: meta.streamSeq, payload: msg.data, pending: meta.pending });
    if (pull.got.length >= pull.want) pull.resolve();
  }

  /**
   * Not waited for: a delete sent to a node that is down is answered only by a timeout, and a consumer
   * nobody deletes goes by itself once inactive.
   */
  private dropConsumer(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    const name = this.consumerName;
    this.consumerName = undefined;
    if (name !== undefined) void this.jsm.consumers.delete(this.stream, name).catch(() => undefined);
  }
}

/** The consumer is gone or cannot be reached: a new one may be started where the reader stands. */
export class ConsumerGoneError extends Error {}

/** Whether a read failed for want of its consumer (removed, or on a node that is down or not leading). */
export function isConsumerGone(e: unknown): boolean {
  if (e instanceof ConsumerGoneError) return true;
  return /consumer not found|no responders|503/i.test(String((e as Error)?.message ?? e));
}

/** `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>` (and the longer v2 form). */
function parseAckSubject(reply: string | undefined): { streamSeq: number; consumerSeq: number; pending: number } | undefined {
  if (reply === undefined || !reply.startsWith('$JS.ACK.')) return undefined;
  const tokens = reply.split('.');
  // v1 has 9 tokens; v2 puts the domain and account hash after $JS.ACK and a random token at the end.
  const base = tokens.length === 9 ? 2 : tokens.length >= 12 ? 4 : -1;
  if (base < 0) return undefined;
  const streamSeq = Number(tokens[base + 3]);
  const consumerSeq = Number(tokens[base + 4]);
  const pending = Number(tokens[base + 6]);
  if (!Number.isSafeInteger(streamSeq) || !Number.isSafeInteger(consumerSeq) || !Number.isSafeInteger(pending)) return undefined;
  return { streamSeq, consumerSeq, pending };
}
