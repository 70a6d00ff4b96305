// Member shapes shared by the Kinesis operations, with the constraints of the Kinesis 2013-12-02 model.

import { enumOf, integer, string, structure, timestamp } from '../aws-protocol/shape.js';

const NAME = /^[a-zA-Z0-9_.-]+$/;

export const streamName = () => string({ min: 1, max: 128, pattern: NAME });
export const streamARN = () => string({ min: 1, max: 2048, pattern: /^arn:aws.*:kinesis:.*:\d{12}:stream\/\S+$/ });
export const shardId = () => string({ min: 1, max: 128, pattern: NAME });
export const hashKey = () => string({ pattern: /^(0|([1-9]\d{0,38}))$/ });
export const sequenceNumber = () => string({ pattern: /^(0|([1-9]\d{0,128}))$/ });
export const partitionKey = () => string({ min: 1, max: 256 });
export const consumerName = () => string({ min: 1, max: 128, pattern: NAME });
export const consumerARN = () =>
  string({ min: 1, max: 2048, pattern: /^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+$/ });
export const nextToken = () => string({ min: 1, max: 1048576 });
export const tagKey = () => string({ min: 1, max: 128 });
export const tagValue = () => string({ min: 0, max: 256 });
export const streamMode = () => enumOf('PROVISIONED', 'ON_DEMAND');
export const streamModeDetails = () => structure({ StreamMode: { ...streamMode(), required: true as const } });
export const shardCount = () => integer({ min: 1, max: 100000 });
export const shardIteratorType = () => enumOf('AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP');
export { timestamp };

/** The members every stream-scoped operation accepts to name its stream. */
export const streamTargetMembers = () => ({ StreamName: streamName(), StreamARN: streamARN() });
