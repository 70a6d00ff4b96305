// SubscribeToShard through the SDK's event-stream reader, streams on a three-node JetStream cluster.
import { describeSubscribeToShardConformance } from './subscribe-to-shard-conformance.js';
import { onJetStream } from './test-backends.js';

describeSubscribeToShardConformance(onJetStream());
