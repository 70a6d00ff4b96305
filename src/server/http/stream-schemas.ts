// JSON schemas of /v1/streams/…: input validation and leak-free output, as for every /v1 route.

import { recordDataProperties, recordDataRequired } from './record-data.js';
import { streamListingSchema } from './schemas.js';

const isoTime = { type: 'string' } as const;

export const streamParamsSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const shardParamsSchema = {
  type: 'object',
  required: ['name', 'shardId'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 256 }, shardId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const createStreamBodySchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    shardCount: { type: 'integer', minimum: 1 },
    mode: { type: 'string', enum: ['PROVISIONED', 'ON_DEMAND'] },
  },
} as const;

export const putRecordBodySchema = {
  type: 'object',
  required: ['partitionKey', 'data'],
  additionalProperties: false,
  properties: {
    partitionKey: { type: 'string', minLength: 1, maxLength: 256 },
    // 1 MiB of data as base64 is a little under 1.4 M characters; the store checks the exact limit.
    data: { type: 'string', maxLength: 1_500_000 },
    encoding: { type: 'string', enum: ['text', 'base64'] },
    explicitHashKey: { type: 'string', pattern: '^(0|[1-9][0-9]{0,38})$' },
  },
} as const;

export const putRecordResultSchema = {
  type: 'object',
  required: ['shardId', 'sequenceNumber'],
  properties: { shardId: { type: 'string' }, sequenceNumber: { type: 'string' } },
} as const;

export const latestRecordsQuerySchema = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  additionalProperties: false,
} as const;

export const latestRecordsSchema = {
  type: 'object',
  required: ['records'],
  properties: {
    records: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sequenceNumber', 'partitionKey', 'arrivalTime', ...recordDataRequired],
        properties: { sequenceNumber: { type: 'string' }, partitionKey: { type: 'string' }, arrivalTime: isoTime, ...recordDataProperties },
      },
    },
  },
} as const;

export const streamDetailSchema = {
  type: 'object',
  required: [
    'name',
    'arn',
    'status',
    'mode',
    'retentionPeriodHours',
    'createdAt',
    'openShardCount',
    'schema',
    'incomingRecordsPerSecond',
    'incomingBytesPerSecond',
    'history',
    'shards',
    'consumers',
    'queries',
  ],
  properties: {
    name: { type: 'string' },
    arn: { type: 'string' },
    status: { type: 'string' },
    mode: { type: 'string' },
    retentionPeriodHours: { type: 'integer' },
    createdAt: isoTime,
    openShardCount: { type: 'integer' },
    schema: streamListingSchema.properties.schema,
    incomingRecordsPerSecond: { type: 'number' },
    incomingBytesPerSecond: { type: 'number' },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['at', 'incomingRecordsPerSecond', 'incomingBytesPerSecond'],
        properties: { at: isoTime, incomingRecordsPerSecond: { type: 'number' }, incomingBytesPerSecond: { type: 'number' } },
      },
    },
    shards: {
      type: 'array',
      items: {
        type: 'object',
        required: ['shardId', 'open', 'startingHashKey', 'endingHashKey', 'incomingRecords', 'incomingBytes', 'iteratorAgeMs'],
        properties: {
          shardId: { type: 'string' },
          open: { type: 'boolean' },
          parentShardId: { type: 'string' },
          adjacentParentShardId: { type: 'string' },
          startingHashKey: { type: 'string' },
          endingHashKey: { type: 'string' },
          incomingRecords: { type: 'integer' },
          incomingBytes: { type: 'integer' },
          iteratorAgeMs: { type: 'number' },
        },
      },
    },
    consumers: {
      type: 'array',
      items: { type: 'object', required: ['name', 'status', 'createdAt'], properties: { name: { type: 'string' }, status: { type: 'string' }, createdAt: isoTime } },
    },
    queries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'status', 'lagMs'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' }, lagMs: { type: 'number' } },
      },
    },
  },
} as const;
