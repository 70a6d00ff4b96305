// What the Eddy processes of a cluster share besides streams: the catalog, the leases on queries,
// delivery streams and event source mappings, the queries' checkpoints, the delivery streams' and the
// mappings' definitions and positions, the consumer groups' lease tables (six JetStream key-value buckets)
// and the subjects results travel on. Opened on
// a connection of its own, so query traffic does not queue behind the stream store's.

import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hostname } from 'node:os';
import { defaultReplicas } from '../stream/nats/default-replicas.js';
import { whileClusterSettles } from '../stream/nats/while-cluster-settles.js';
import { NatsBus, type MessageBus } from './message-bus.js';
import { NatsKv } from './nats-kv.js';
import type { SharedKv } from './shared-kv.js';

export const CATALOG_BUCKET = 'eddy-catalog';
export const LEASE_BUCKET = 'eddy-leases';
export const CHECKPOINT_BUCKET = 'eddy-checkpoints';
export const DELIVERY_BUCKET = 'eddy-delivery';
export const FUNCTIONS_BUCKET = 'eddy-functions';
export const CONSUMER_GROUPS_BUCKET = 'eddy-consumer-groups';

export interface ClusterConnection {
  /** This process's name in the cluster: its leases and the statuses others show carry it. */
  readonly process: string;
  readonly catalog: SharedKv;
  readonly leases: SharedKv;
  readonly checkpoints: SharedKv;
  /** Delivery streams' definitions and positions. */
  readonly delivery: SharedKv;
  /** Event source mappings' definitions and positions. */
  readonly functions: SharedKv;
  /** Consumer groups' leases (the KCL's lease table). */
  readonly consumerGroups: SharedKv;
  readonly bus: MessageBus;
  close(): Promise<void>;
}

export interface ClusterConnectionOptions {
  readonly servers: readonly string[];
  /** Copies of each bucket (default 3 on a cluster of three or more servers, else 1). */
  readonly replicas?: number;
  /** Default `host:pid`; must be unique among the processes of the cluster. */
  readonly process?: string;
}

export async function connectCluster(options: ClusterConnectionOptions): Promise<ClusterConnection> {
  const process_ = options.process ?? `${hostname()}:${process.pid}`;
  const nc: NatsConnection = await connect({
    servers: [...options.servers],
    name: `eddy ${process_}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: 10_000,
  });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    const replicas = options.replicas ?? defaultReplicas(nc.info, options.servers);
    const open = (name: string): Promise<NatsKv> => whileClusterSettles(() => NatsKv.open(nc, jsm, name, replicas));
    const [catalog, leases, checkpoints, delivery] = [await open(CATALOG_BUCKET), await open(LEASE_BUCKET), await open(CHECKPOINT_BUCKET), await open(DELIVERY_BUCKET)];
    const [functions, consumerGroups] = [await open(FUNCTIONS_BUCKET), await open(CONSUMER_GROUPS_BUCKET)];
    return {
      process: process_,
      catalog,
      leases,
      checkpoints,
      delivery,
      functions,
      consumerGroups,
      bus: new NatsBus(nc),
      close: async () => {
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (e) {
    await nc.close();
    throw e;
  }
}
