// The stores the Kinesis conformance tests run against: the same tests, in memory and on a real three-node
// NATS JetStream cluster (which needs nats-server installed; without it the tests fail and say how to
// install it).
import type { StreamStoreOptions } from '../../../src/engine/index.js';
import { startNatsCluster, type NatsCluster } from '../../../scripts/nats-cluster.mjs';

export interface TestBackend {
  readonly name: string;
  /** Store options that keep streams in this backend, starting what it needs the first time. */
  storeOptions(): Promise<Partial<StreamStoreOptions>>;
  /** Stops what `storeOptions` started. */
  stop(): Promise<void>;
}

export const inMemory: TestBackend = {
  name: 'in memory',
  storeOptions: async () => ({}),
  stop: async () => undefined,
};

/** A backend on a cluster of its own, started when a test file first needs it. */
export function onJetStream(): TestBackend {
  let cluster: Promise<NatsCluster> | undefined;
  return {
    name: 'on a JetStream cluster',
    async storeOptions() {
      cluster ??= startNatsCluster();
      return { nats: { servers: (await cluster).urls.split(',') } };
    },
    async stop() {
      await (await cluster?.catch(() => undefined))?.stop();
    },
  };
}

/** Long enough for a three-node cluster to start and elect its leaders on a busy two-core machine. */
export const BACKEND_START_MS = 60_000;
