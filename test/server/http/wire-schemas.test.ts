// The /v1 answers' JSON schemas agree with the values they serialise: a member a schema leaves out is
// silently dropped from every answer, so these checks stop compiling (npm run typecheck) when they drift.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { QueryPlan } from '../../../src/engine/index.js';
import type { FromSchema, MissingMembers, StatementResult } from '../../../src/statements/index.js';
import type { QueryStatusForWire } from '../../../src/server/http/query-wire.js';
import type { queryStatusSchema } from '../../../src/server/http/schemas.js';
import { startSqlApi } from './sql-api-harness.js';

describe('wire schemas', () => {
  it('name every member of a query status, and no others', () => {
    expectTypeOf<MissingMembers<QueryStatusForWire, FromSchema<typeof queryStatusSchema>>>().toBeNever();
  });

  it('derive the statement result the executor builds and clients read', () => {
    expectTypeOf<Extract<StatementResult, { kind: 'createStream' }>['action']>().toEqualTypeOf<'created' | 'attached' | 'unchanged'>();
    expectTypeOf<Extract<StatementResult, { kind: 'query' | 'insert' }>['query']['id']>().toEqualTypeOf<string>();
  });

  it('keep a stream sink’s partition key column in GET /v1/queries', async () => {
    const api = await startSqlApi();
    try {
      await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: 'CREATE STREAM a (k VARCHAR); CREATE STREAM b (k VARCHAR)' } });
      const columns = [{ name: 'k', type: 'VARCHAR' }] as const;
      const plan: QueryPlan = {
        root: {
          kind: 'project',
          input: { kind: 'source', stream: 'a', format: { kind: 'json' }, columns, eventTime: { column: 1, watermarkDelayMs: 0 } },
          exprs: [{ name: 'k', expr: { kind: 'column', index: 0, name: 'k', type: 'VARCHAR' } }],
        },
        sink: { kind: 'stream', stream: 'b', partitionKeyColumn: 'k' },
        columns,
      };
      await api.engine.queries.startQuery(plan, { sql: 'INSERT INTO b SELECT k FROM a' });
      const res = await api.app.inject({ method: 'GET', url: '/v1/queries' });
      expect(res.json().queries[0].sink).toEqual({ kind: 'stream', stream: 'b', partitionKeyColumn: 'k' });
    } finally {
      await api.close();
    }
  });
});
