// scripts/nats-cluster.mjs, which the cluster tests and benchmarks start their NATS clusters with: a
// cluster is handed out once a stream with a copy on every node can be created, also when a node starts
// after the other two have elected a metadata leader (it joins under that leader without logging it).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { startNatsCluster } from '../../../../scripts/nats-cluster.mjs';

describe('the test NATS cluster', () => {
  it('forms when a node starts after the other two have elected a leader, and places three copies at once', async () => {
    // n3 starts well after n1 and n2 have elected a leader (a fraction of a second is enough), on every attempt.
    const cluster = await startNatsCluster({ startDelaysMs: [0, 0, 1_500] });
    try {
      const nc = await connect({ servers: cluster.urls.split(',') });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.add({ name: 'three_copies', subjects: ['three.copies'], num_replicas: 3, storage: 'memory' });
        expect([info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].sort()).toEqual(['n1', 'n2', 'n3']);
      } finally {
        await nc.close();
      }
    } finally {
      await cluster.stop();
    }
  }, 90_000);
});
