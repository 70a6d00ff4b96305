// The per-server query limits through the SQL API: a query whose state outgrows its bound fails where
// every client can see it (GET /v1/queries/:id, SHOW QUERIES, its WebSocket subscribers), and a server
// running as many queries as it accepts refuses the next one with a 429 naming the limit.
import { afterEach, describe, expect, it } from 'vitest';
import { startSqlApi, type SqlApiServer } from './sql-api-harness.js';
import { FrameClient } from '../ws/frame-client.js';

let api: SqlApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const enc = new TextEncoder();

async function sql(server: SqlApiServer, text: string) {
  return server.app.inject({ method: 'POST', url: '/v1/sql', payload: { sql: text } });
}

describe('query limits', () => {
  it('fails a GROUP BY whose keys pass the state limit, and says so in its status, SHOW QUERIES and an error frame', async () => {
    const server = (api = await startSqlApi({ queries: { maxStateKeys: 100 } }));
    await server.listen();
    await sql(server, 'CREATE STREAM clicks (user_id VARCHAR, amount DOUBLE)');
    const started = await server.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id' } });
    const id = started.json().id as string;
    const client = await FrameClient.connect(server.endpoint, id);
    await server.engine.store.putRecords(
      'clicks',
      Array.from({ length: 150 }, (_, i) => ({ partitionKey: `p${i}`, data: enc.encode(JSON.stringify({ user_id: `user-${i}`, amount: 1 })) })),
    );
    await client.until((c) => c.frames.some((f) => f.type === 'error'), 'an error frame');
    const message = 'query state exceeded 100 keys in GROUP BY user_id; the limit is set with --max-query-state-keys';
    expect(client.frames.at(-1)).toEqual({ type: 'error', message });
    const status = await server.app.inject({ method: 'GET', url: `/v1/queries/${id}` });
    expect(status.json()).toMatchObject({ status: 'failed', error: message });
    const shown = await sql(server, 'SHOW QUERIES');
    expect(shown.json().results[0].rows).toEqual([expect.objectContaining({ id, status: 'failed', error: message })]);
  });

  it('refuses a query past the running-query limit with 429, through POST /v1/queries and POST /v1/sql alike', async () => {
    const server = (api = await startSqlApi({ queries: { maxQueries: 2 } }));
    await sql(server, 'CREATE STREAM clicks (user_id VARCHAR)');
    const start = () => server.app.inject({ method: 'POST', url: '/v1/queries', payload: { sql: 'SELECT user_id FROM clicks' } });
    const first = await start();
    expect((await start()).statusCode).toBe(201);
    const refused = await start();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toEqual({
      code: 'LimitExceededException',
      message: 'query limit reached: this server runs at most 2 queries at once (--max-queries); stop one with DELETE /v1/queries/:id first',
    });
    const viaSql = await sql(server, 'SELECT user_id FROM clicks');
    expect(viaSql.statusCode).toBe(429);
    // Stopping one makes room again.
    await server.app.inject({ method: 'DELETE', url: `/v1/queries/${first.json().id}` });
    expect((await start()).statusCode).toBe(201);
  });
});
