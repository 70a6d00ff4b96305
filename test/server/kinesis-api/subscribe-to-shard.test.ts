// SubscribeToShard through the SDK's event-stream reader, streams in memory.
import { describeSubscribeToShardConformance } from './subscribe-to-shard-conformance.js';
import { inMemory } from './test-backends.js';

describeSubscribeToShardConformance(inMemory);
