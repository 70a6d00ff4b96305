// Every Kinesis operation through the real @aws-sdk/client-kinesis against a listening Eddy keeping streams on a three-node JetStream cluster.
import { describeKinesisApiConformance } from './kinesis-api-conformance.js';
import { onJetStream } from './test-backends.js';

describeKinesisApiConformance(onJetStream());
