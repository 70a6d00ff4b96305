// Every Kinesis operation through the real @aws-sdk/client-kinesis against a listening Eddy keeping streams in memory.
import { describeKinesisApiConformance } from './kinesis-api-conformance.js';
import { inMemory } from './test-backends.js';

describeKinesisApiConformance(inMemory);
