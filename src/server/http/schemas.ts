// JSON schemas of the /v1 API, for input validation and for fast, leak-free output serialisation.

import { columnSchema } from '../../statements/index.js';
import { recordDataProperties, recordDataRequired } from './record-data.js';

const columns = { type: 'array', items: columnSchema } as const;

/** How to read a query's rows (engine's ResultShape); also sent in the WebSocket schema frame. */
export const resultShapeSchema = {
  type: 'object',
  required: ['changelog', 'keys'],
  properties: {
    changelog: { type: 'string', enum: ['append', 'retract'] },
    keys: { type: 'array', items: { type: 'string' } },
    window: {
      type: 'object',
      required: ['kind', 'sizeMs', 'slideMs'],
      properties: {
        kind: { type: 'string' },
        sizeMs: { type: 'number' },
        slideMs: { type: 'number' },
        startColumn: { type: 'string' },
        endColumn: { type: 'string' },
      },
    },
  },
} as const;

/** A query's (or a split query's part's) checkpoints (engine's CheckpointStatus), times in ISO-8601. */
const checkpointStatusSchema = {
  type: 'object',
  required: ['completed', 'failed'],
  properties: {
    completed: { type: 'integer' },
    failed: { type: 'integer' },
    lastCompletedAt: { type: 'string' },
    lastDurationMs: { type: 'number' },
  },
} as const;

export const queryStatusSchema = {
  type: 'object',
  required: ['id', 'name', 'sql', 'status', 'columns', 'stream', 'streams', 'inputRecords', 'outputRows', 'lateRows', 'decodeErrors', 'watermark', 'lagMs', 'shards', 'stateEntries', 'result', 'inputRecordsPerSecond', 'outputRowsPerSecond', 'startedAt', 'checkpoints'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    sql: { type: 'string' },
    status: { type: 'string' },
    error: { type: 'string' },
    columns,
    sink: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' }, stream: { type: 'string' }, partitionKeyColumn: { type: 'string' }, recordFormat: { type: 'string', enum: ['json', 'csv'] }, arrivalTimeColumn: { type: 'string' } } },
    stream: { type: 'string' },
    streams: { type: 'array', items: { type: 'string' } },
    inputRecords: { type: 'integer' },
    outputRows: { type: 'integer' },
    lateRows: { type: 'integer' },
    decodeErrors: { type: 'integer' },
    lastDecodeError: { type: 'string' },
    lastBadRecord: {
      type: 'object',
      required: ['shardId', 'sequenceNumber', 'partitionKey', 'arrivalTime', 'error', ...recordDataRequired],
      properties: {
        shardId: { type: 'string' },
        sequenceNumber: { type: 'string' },
        partitionKey: { type: 'string' },
        arrivalTime: { type: 'string' },
        error: { type: 'string' },
        subSequenceNumber: { type: 'integer' },
        ...recordDataProperties,
      },
    },
    watermark: { type: ['string', 'null'] },
    lagMs: { type: 'number' },
    shards: {
      type: 'array',
      items: {
        type: 'object',
        required: ['shardId', 'watermark', 'idle', 'lagMs'],
        properties: { shardId: { type: 'string' }, stream: { type: 'string' }, watermark: { type: ['string', 'null'] }, idle: { type: 'boolean' }, lagMs: { type: 'number' } },
      },
    },
    stateEntries: { type: 'integer' },
    result: resultShapeSchema,
    process: { type: 'string' },
    parallelism: { type: 'integer' },
    parts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['part', 'status', 'inputRecords', 'outputRows', 'lateRows', 'watermark', 'lagMs', 'stateEntries', 'checkpoints'],
        properties: {
          part: { type: 'integer' },
          status: { type: 'string' },
          process: { type: 'string' },
          inputRecords: { type: 'integer' },
          outputRows: { type: 'integer' },
          lateRows: { type: 'integer' },
          watermark: { type: ['string', 'null'] },
          lagMs: { type: 'number' },
          stateEntries: { type: 'integer' },
          checkpoints: checkpointStatusSchema,
        },
      },
    },
    inputRecordsPerSecond: { type: 'number' },
    outputRowsPerSecond: { type: 'number' },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['at', 'inputRecordsPerSecond', 'outputRowsPerSecond'],
        properties: { at: { type: 'string' }, inputRecordsPerSecond: { type: 'number' }, outputRowsPerSecond: { type: 'number' } },
      },
    },
    startedAt: { type: 'string' },
    checkpoints: checkpointStatusSchema,
  },
} as const;

export const streamListingSchema = {
  type: 'object',
  required: ['name', 'status', 'shards', 'schema'],
  properties: {
    name: { type: 'string' },
    status: { type: 'string' },
    shards: { type: 'integer' },
    schema: {
      type: ['object', 'null'],
      properties: {
        columns,
        format: {
          type: 'object',
          properties: {
            kind: { type: 'string' },
            delimiter: { type: 'string' },
            mappings: { type: 'object', additionalProperties: true },
          },
        },
        watermark: { type: 'object', properties: { column: { type: 'string' }, delayMs: { type: 'number' } } },
      },
    },
    damagedShards: {
      type: 'array',
      items: {
        type: 'object',
        required: ['shardId', 'records', 'bytes', 'ranges'],
        properties: {
          shardId: { type: 'string' },
          records: { type: 'integer' },
          bytes: { type: 'integer' },
          ranges: {
            type: 'array',
            items: {
              type: 'object',
              required: ['startingSequenceNumber', 'endingSequenceNumber', 'records', 'bytes', 'reason', 'foundAt'],
              properties: {
                startingSequenceNumber: { type: 'string' },
                endingSequenceNumber: { type: 'string' },
                records: { type: 'integer' },
                bytes: { type: 'integer' },
                reason: { type: 'string' },
                foundAt: { type: 'integer' },
              },
            },
          },
        },
      },
    },
  },
} as const;

// The SQL compiler bounds the text's length itself (MAX_SQL_LENGTH), with an error that says where.
export const sqlBodySchema = {
  type: 'object',
  required: ['sql'],
  additionalProperties: false,
  properties: { sql: { type: 'string', minLength: 1 }, ephemeral: { type: 'boolean' } },
} as const;

export const queryBodySchema = {
  type: 'object',
  required: ['sql'],
  additionalProperties: false,
  properties: {
    sql: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' },
    /** Parts to split the query into over a cluster's processes (MAX_PARALLELISM at most). */
    parallelism: { type: 'integer', minimum: 1, maximum: 64 },
  },
} as const;

export const queryIdParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;
