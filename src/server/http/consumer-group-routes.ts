// /v1/consumer-groups: the lease table consumer-group workers share (one lease per shard, changed by
// compare-and-set on its counter; 409 ConditionalCheckFailedException when it moved). The consumer
// library's EddyLeaseStore speaks this; the console lists groups and leases from it.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { LeaseTable, StreamStore } from '../../engine/index.js';
import { EDDY_ACTIONS } from '../auth/eddy-actions.js';
import { errorResponseSchema, sendApiError } from './api-error.js';
import type { RouteAuthorizer } from './stream-routes.js';

export interface ConsumerGroupRoutesOptions {
  readonly leases: LeaseTable;
  readonly store: StreamStore;
  /** Refuses a caller without the permission a route needs; none: all allowed. */
  readonly authorize?: RouteAuthorizer;
}

const errors = { 400: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 500: errorResponseSchema, 503: errorResponseSchema };
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const owner = { type: 'string', minLength: 1, maxLength: 256 } as const;
const counter = { type: 'integer', minimum: 0 } as const;
const leaseSchema = {
  type: 'object',
  required: ['leaseKey', 'leaseOwner', 'leaseCounter', 'checkpoint', 'checkpointSubSequenceNumber', 'parentLeaseKeys', 'ownerSwitchesSinceCheckpoint'],
  properties: {
    leaseKey: { type: 'string' },
    leaseOwner: { type: ['string', 'null'] },
    leaseCounter: { type: 'integer' },
    checkpoint: { type: 'string' },
    checkpointSubSequenceNumber: { type: 'integer' },
    parentLeaseKeys: { type: 'array', items: { type: 'string' } },
    ownerSwitchesSinceCheckpoint: { type: 'integer' },
  },
} as const;
const groupParams = { type: 'object', required: ['group'], properties: { group: name } } as const;
const leaseParams = { type: 'object', required: ['group', 'leaseKey'], properties: { group: name, leaseKey: name } } as const;
const ownedBody = { type: 'object', required: ['owner', 'leaseCounter'], additionalProperties: false, properties: { owner, leaseCounter: counter } } as const;

/** Renewals of one call in flight at once. */
const RENEWALS_AT_ONCE = 64;

type LeaseRoute = { Params: { group: string; leaseKey: string }; Body: { owner: string; leaseCounter: number } };

export function consumerGroupRoutes(options: ConsumerGroupRoutesOptions): FastifyPluginAsync {
  const { leases, store } = options;
  const authorize: RouteAuthorizer = options.authorize ?? (() => undefined);
  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => sendApiError(err, request, reply));
    // Every route acts on one group (or lists them): reading is eddy:Describe, deleting leases or the group
    // eddy:DeleteConsumerGroup, and taking part (creating, taking, renewing, checkpointing) eddy:UseConsumerGroup.
    app.addHook('preHandler', async (request) => {
      const group = (request.params as { group?: string } | undefined)?.group;
      const resource = group === undefined ? '*' : `consumer-group/${group}`;
      const action = request.method === 'GET' ? EDDY_ACTIONS.describe : request.method === 'DELETE' ? EDDY_ACTIONS.deleteConsumerGroup : EDDY_ACTIONS.useConsumerGroup;
      authorize(request, action, resource);
    });

    app.get(
      '/consumer-groups',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              required: ['groups'],
              properties: {
                groups: {
                  type: 'array',
                  items: { type: 'object', required: ['groupName', 'streamName', 'leases', 'owners'], properties: { groupName: { type: 'string' }, streamName: { type: 'string' }, leases: { type: 'integer' }, owners: { type: 'array', items: { type: 'string' } } } },
                },
              },
            },
            ...errors,
          },
        },
      },
      async () => ({ groups: leases.listGroups() }),
    );

    app.get<{ Params: { group: string } }>(
      '/consumer-groups/:group/leases',
      { schema: { params: groupParams, response: { 200: { type: 'object', required: ['leases'], properties: { leases: { type: 'array', items: leaseSchema } } }, ...errors } } },
      async (request) => ({ leases: leases.listLeases(request.params.group) }),
    );

    app.post<{ Params: { group: string }; Body: { streamName: string; leaseKey: string; checkpoint: string; parentLeaseKeys?: string[] } }>(
      '/consumer-groups/:group/leases',
      {
        schema: {
          params: groupParams,
          body: {
            type: 'object',
            required: ['streamName', 'leaseKey', 'checkpoint'],
            additionalProperties: false,
            properties: { streamName: name, leaseKey: name, checkpoint: { type: 'string', minLength: 1, maxLength: 160 }, parentLeaseKeys: { type: 'array', maxItems: 2, items: name } },
          },
          response: { 201: leaseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { streamName, ...lease } = request.body;
        await store.knowStream(streamName);
        store.describeStream(streamName);
        return reply.code(201).send(await leases.createLease(request.params.group, streamName, lease));
      },
    );

    app.post<LeaseRoute>('/consumer-groups/:group/leases/:leaseKey/take', { schema: { params: leaseParams, body: ownedBody, response: { 200: leaseSchema, ...errors } } }, async (request) =>
      leases.takeLease(request.params.group, request.params.leaseKey, request.body.owner, request.body.leaseCounter),
    );

    app.post<LeaseRoute>('/consumer-groups/:group/leases/:leaseKey/evict', { schema: { params: leaseParams, body: ownedBody, response: { 200: leaseSchema, ...errors } } }, async (request) =>
      leases.evictLease(request.params.group, request.params.leaseKey, request.body.owner, request.body.leaseCounter),
    );

    app.post<{ Params: { group: string; leaseKey: string }; Body: { owner: string; leaseCounter: number; checkpoint: string; subSequenceNumber?: number } }>(
      '/consumer-groups/:group/leases/:leaseKey/checkpoint',
      {
        schema: {
          params: leaseParams,
          body: {
            type: 'object',
            required: ['owner', 'leaseCounter', 'checkpoint'],
            additionalProperties: false,
            properties: { owner, leaseCounter: counter, checkpoint: { type: 'string', minLength: 1, maxLength: 160 }, subSequenceNumber: { type: 'integer', minimum: 0 } },
          },
          response: { 200: leaseSchema, ...errors },
        },
      },
      async (request) => leases.checkpoint(request.params.group, request.params.leaseKey, request.body.owner, request.body.leaseCounter, request.body.checkpoint, request.body.subSequenceNumber ?? 0),
    );

    // Renewals of all of a worker's leases in one call: each is its own compare-and-set, answered one by one.
    app.post<{ Params: { group: string }; Body: { owner: string; leases: Record<string, number> } }>(
      '/consumer-groups/:group/renew',
      {
        schema: {
          params: groupParams,
          body: { type: 'object', required: ['owner', 'leases'], additionalProperties: false, properties: { owner, leases: { type: 'object', maxProperties: 10_000, additionalProperties: counter } } },
          response: {
            200: {
              type: 'object',
              required: ['renewed', 'lost'],
              properties: { renewed: { type: 'object', additionalProperties: { type: 'integer' } }, lost: { type: 'array', items: { type: 'string' } } },
            },
            ...errors,
          },
        },
      },
      async (request) => {
        const renewed: Record<string, number> = {};
        const lost: string[] = [];
        // Several at once (on a cluster each renewal is a write to the shared table), at most RENEWALS_AT_ONCE.
        const entries = Object.entries(request.body.leases);
        for (let i = 0; i < entries.length; i += RENEWALS_AT_ONCE) {
          await Promise.all(
            entries.slice(i, i + RENEWALS_AT_ONCE).map(async ([key, expected]) => {
              try {
                renewed[key] = (await leases.renewLease(request.params.group, key, request.body.owner, expected)).leaseCounter;
              } catch {
                // Refused, or (on a cluster) not known to be written: the worker stops the shard and takes the lease again.
                lost.push(key);
              }
            }),
          );
        }
        lost.sort();
        return { renewed, lost };
      },
    );

    app.delete<{ Params: { group: string; leaseKey: string } }>('/consumer-groups/:group/leases/:leaseKey', { schema: { params: leaseParams, response: { 204: { type: 'null' }, ...errors } } }, async (request, reply) => {
      await leases.deleteLease(request.params.group, request.params.leaseKey);
      return reply.code(204).send();
    });

    app.delete<{ Params: { group: string } }>('/consumer-groups/:group', { schema: { params: groupParams, response: { 204: { type: 'null' }, ...errors } } }, async (request, reply) => {
      await leases.deleteGroup(request.params.group);
      return reply.code(204).send();
    });
  };
}
