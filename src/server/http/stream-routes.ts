// /v1/streams/…: one stream in detail (shards, retention, mode, rates measured here, its readers), creating
// and deleting streams, putting a record, and peeking at a shard's newest records. The store is seen as the
// Kinesis API sees it, so the internal streams behind delivery streams are not found here either. A stream
// another process sharing the store created a moment ago is read from the store before a route says it is
// not found (StreamStore.knowStream).

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { latestRecords, type Catalog, type QueryManager, type StreamStore } from '../../engine/index.js';
import { kinesisVisibleStreams } from '../kinesis-api/kinesis-visible-streams.js';
import { errorResponseSchema } from './api-error.js';
import type { LiveRates } from './live-rates.js';
import { onlyFields } from './only-fields.js';
import { recordDataForWire } from './record-data.js';
import {
  createStreamBodySchema,
  latestRecordsQuerySchema,
  latestRecordsSchema,
  putRecordBodySchema,
  putRecordResultSchema,
  shardParamsSchema,
  streamDetailSchema,
  streamParamsSchema,
} from './stream-schemas.js';

export interface StreamRoutesOptions {
  readonly store: StreamStore;
  readonly catalog: Catalog;
  readonly queries: QueryManager;
  readonly rates: LiveRates;
  /** Refuses a request whose caller may not take `action` on `resource` (AccessDenied); none: all allowed. */
  readonly authorize?: RouteAuthorizer;
}

/** Checks the caller of a request against the permissions of its credential. */
export type RouteAuthorizer = (request: FastifyRequest, action: string, resource: string) => void;

/** Records shown by a peek are cut at this many bytes each, so 100 records of 1 MiB stay a small answer. */
export const PEEK_MAX_BYTES_PER_RECORD = 16 * 1024;

const errors = { 400: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };

interface CreateStreamBody {
  readonly name: string;
  readonly shardCount?: number;
  readonly mode?: 'PROVISIONED' | 'ON_DEMAND';
}

interface PutRecordBody {
  readonly partitionKey: string;
  readonly data: string;
  readonly encoding?: 'text' | 'base64';
  readonly explicitHashKey?: string;
}

export function streamRoutes(options: StreamRoutesOptions): FastifyPluginAsync {
  const store = kinesisVisibleStreams(options.store);
  const { catalog, queries, rates } = options;

  const detail = (name: string) => {
    const d = store.describeStream(name);
    const metrics = store.metrics().find((m) => m.streamName === name);
    const shardMetrics = new Map((metrics?.shards ?? []).map((s) => [s.shardId, s]));
    const measured = rates.stream(name);
    return {
      name: d.streamName,
      arn: d.streamARN,
      status: d.status,
      mode: d.mode,
      retentionPeriodHours: d.retentionPeriodHours,
      createdAt: new Date(d.creationTimestamp).toISOString(),
      openShardCount: d.openShardCount,
      schema: catalog.stream(name) ?? null,
      incomingRecordsPerSecond: measured.incomingRecordsPerSecond,
      incomingBytesPerSecond: measured.incomingBytesPerSecond,
      history: measured.history.map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
      shards: d.shards.map((s) => {
        const m = shardMetrics.get(s.shardId);
        return {
          shardId: s.shardId,
          open: s.sequenceNumberRange.endingSequenceNumber === undefined,
          ...(s.parentShardId === undefined ? {} : { parentShardId: s.parentShardId }),
          ...(s.adjacentParentShardId === undefined ? {} : { adjacentParentShardId: s.adjacentParentShardId }),
          startingHashKey: s.hashKeyRange.startingHashKey,
          endingHashKey: s.hashKeyRange.endingHashKey,
          incomingRecords: m?.incomingRecords ?? 0,
          incomingBytes: m?.incomingBytes ?? 0,
          iteratorAgeMs: m?.millisBehindLatest ?? 0,
        };
      }),
      consumers: store.listConsumers(name).map((c) => ({
        name: c.consumerName,
        status: c.consumerStatus,
        createdAt: new Date(c.consumerCreationTimestamp).toISOString(),
      })),
      queries: queries
        .listQueries()
        .filter((q) => q.stream === name)
        .map((q) => ({ id: q.id, name: q.name, status: q.status, lagMs: q.lagMs })),
    };
  };

  const authorize: RouteAuthorizer = options.authorize ?? (() => undefined);
  // The same actions as the SQL and Kinesis requests that do the same thing.
  return async (app: FastifyInstance) => {
    app.post<{ Body: CreateStreamBody }>(
      '/streams',
      { preValidation: onlyFields(createStreamBodySchema.properties), schema: { body: createStreamBodySchema, response: { 201: streamDetailSchema, ...errors } } },
      async (request, reply) => {
        const { name, shardCount, mode } = request.body;
        authorize(request, 'eddy:CreateStream', `stream/${name}`);
        // Without a mode, a stream of one shard unless told otherwise, as CREATE STREAM makes (the Kinesis API
        // would make an on-demand one).
        const shards = shardCount ?? (mode === undefined ? 1 : undefined);
        await store.createStream(name, { ...(shards === undefined ? {} : { shardCount: shards }), ...(mode === undefined ? {} : { mode }) });
        rates.sample();
        return reply.code(201).send(detail(name));
      },
    );

    app.get<{ Params: { name: string } }>(
      '/streams/:name',
      { schema: { params: streamParamsSchema, response: { 200: streamDetailSchema, ...errors } } },
      async (request) => {
        authorize(request, 'eddy:Describe', `stream/${request.params.name}`);
        await store.knowStream(request.params.name);
        return detail(request.params.name);
      },
    );

    app.delete<{ Params: { name: string } }>(
      '/streams/:name',
      { schema: { params: streamParamsSchema, response: { 204: { type: 'null' }, ...errors } } },
      async (request, reply) => {
        authorize(request, 'eddy:DropStream', `stream/${request.params.name}`);
        // The SQL schema goes with the stream: the catalog follows the store's deletions.
        await store.knowStream(request.params.name);
        await store.deleteStream(request.params.name);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: { name: string }; Body: PutRecordBody }>(
      '/streams/:name/records',
      {
        preValidation: onlyFields(putRecordBodySchema.properties),
        schema: { params: streamParamsSchema, body: putRecordBodySchema, response: { 201: putRecordResultSchema, ...errors } },
      },
      async (request, reply) => {
        const { partitionKey, data, encoding, explicitHashKey } = request.body;
        authorize(request, 'kinesis:PutRecord', `stream/${request.params.name}`);
        const bytes = encoding === 'base64' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
        await store.knowStream(request.params.name);
        const result = await store.putRecord(request.params.name, { partitionKey, data: bytes, ...(explicitHashKey === undefined ? {} : { explicitHashKey }) });
        return reply.code(201).send(result);
      },
    );

    app.get<{ Params: { name: string; shardId: string }; Querystring: { limit: number } }>(
      '/streams/:name/shards/:shardId/records',
      { schema: { params: shardParamsSchema, querystring: latestRecordsQuerySchema, response: { 200: latestRecordsSchema, ...errors } } },
      async (request) => {
        const { name, shardId } = request.params;
        authorize(request, 'kinesis:GetRecords', `stream/${name}`);
        await store.knowStream(name);
        const records = await latestRecords(store, name, shardId, request.query.limit);
        return {
          records: records.map((r) => ({
            sequenceNumber: r.sequenceNumber,
            partitionKey: r.partitionKey,
            arrivalTime: new Date(r.arrivalTimestamp).toISOString(),
            ...recordDataForWire(r.data, r.data.length, PEEK_MAX_BYTES_PER_RECORD),
          })),
        };
      },
    );
  };
}
