// Member shapes shared by the Kinesis operations, with the constraints of the Kinesis 2013-12-02 model
// (patterns in the model's own text, which messages quote).

import { enumOf, integer, modelPattern, requiredUnless, string, structure, timestamp } from '../aws-protocol/shape.js';

const NAME = modelPattern('[a-zA-Z0-9_.-]+');

export const streamName = () => string({ min: 1, max: 128, pattern: NAME });
export const streamARN = () => string({ min: 1, max: 2048, pattern: modelPattern('arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+') });
export const shardId = () => string({ min: 1, max: 128, pattern: NAME });
export const hashKey = () => string({ pattern: modelPattern('0|([1-9]\\d{0,38})') });
export const sequenceNumber = () => string({ pattern: modelPattern('0|([1-9]\\d{0,128})') });
export const partitionKey = () => string({ min: 1, max: 256 });
export const consumerName = () => string({ min: 1, max: 128, pattern: NAME });
export const consumerARN = () =>
  string({ min: 1, max: 2048, pattern: modelPattern('^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+') });
export const nextToken = () => string({ min: 1, max: 1048576 });
export const tagKey = () => string({ min: 1, max: 128 });
export const tagValue = () => string({ min: 0, max: 256 });
export const streamMode = () => enumOf('PROVISIONED', 'ON_DEMAND');
export const streamModeDetails = () => structure({ StreamMode: { ...streamMode(), required: true as const } });
export const shardCount = () => integer({ min: 1 });
/** In the order AWS lists the values in its message (not the model's). */
export const shardIteratorType = () => enumOf('AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON');
export { timestamp };

/**
 * StreamName, for operations that take StreamName or StreamARN: one of them is needed, and a request
 * with neither is answered as AWS answered it while StreamName was required (`Value null at
 * 'streamName' failed to satisfy constraint: Member must not be null`).
 */
export const targetStreamName = () => requiredUnless('StreamARN', streamName());

/** The members every stream-scoped operation accepts to name its stream, for operations whose order puts them last. */
export const streamTargetMembers = () => ({ StreamName: targetStreamName(), StreamARN: streamARN() });
