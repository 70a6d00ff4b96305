// Connecting a store to a NATS JetStream cluster: the connection, JetStream's clients and the metadata
// bucket, with the replication factor the cluster can give.

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EddyError } from '../../errors.js';
import type { JetStreamContext, JetStreamShardLog } from './jetstream-shard-log.js';
import { BUCKET, NatsStreamStorage, newWriterId } from './nats-stream-storage.js';
import { defaultReplicas } from './default-replicas.js';
import { whileClusterSettles } from './while-cluster-settles.js';

export interface NatsStoreOptions {
  /** Server URLs (`nats://host:4222`); any one of a cluster is enough, more help while one is down. */
  readonly servers: readonly string[];
  /** Copies of each shard when a stream does not say: 3 on a cluster of three or more servers, else 1. */
  readonly replicas?: number;
  /** Shown to the cluster as the connection's name. */
  readonly name?: string;
}

/** Parses `nats://a:4222,nats://b:4222` (or `nats://a:4222,b:4222`) into server URLs. */
export function parseNatsServers(spec: string): string[] {
  const servers = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (s.includes('://') ? s : `nats://${s}`));
  for (const s of servers) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new EddyError('ValidationException', `--store ${spec}: ${s} is not a URL`);
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:') throw new EddyError('ValidationException', `--store ${spec}: ${s} is not a nats:// URL`);
  }
  if (servers.length === 0) throw new EddyError('ValidationException', `--store ${spec} names no server`);
  return servers;
}

export interface NatsStoreConnection {
  readonly storage: NatsStreamStorage;
  readonly nc: NatsConnection;
  close(): Promise<void>;
}

export async function connectNatsStore(options: NatsStoreOptions): Promise<NatsStoreConnection> {
  const nc = await connect({
    servers: [...options.servers],
    name: options.name ?? 'eddy',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: 10_000,
  });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    const js = jetstream(nc, { timeout: 10_000 });
    const replicas = options.replicas ?? defaultReplicas(nc.info, options.servers);
    const ctx: JetStreamContext = { nc, js, jsm, writerId: newWriterId(), openLogs: new Set() };
    void refreshAfterReconnecting(nc, ctx.openLogs);
    // Reads go through the bucket's leader (no direct gets from replicas, which may lag): a process that
    // lost a compare-and-set must read what won.
    const kv = await whileClusterSettles(() => new Kvm(nc).create(BUCKET, { replicas, history: 1, allow_direct: false }));
    const storage = new NatsStreamStorage(ctx, kv, { defaultReplicas: replicas });
    return {
      storage,
      nc,
      close: async () => {
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (e) {
    await nc.close();
    throw e;
  }
}

/**
 * After the connection comes back (on this node or another), every open shard log looks its end up again:
 * what other processes appended meanwhile was announced while this one was not listening, and a reader
 * at the old end would otherwise wait for the next announcement. Ends when the connection closes.
 */
async function refreshAfterReconnecting(nc: NatsConnection, logs: ReadonlySet<JetStreamShardLog>): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type !== 'reconnect') continue;
    for (const log of logs) void whileClusterSettles(() => log.refresh()).catch(() => undefined);
  }
}
