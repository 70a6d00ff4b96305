// buildServer's extension points and logging, through fastify's inject (no listening socket needed).
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStreamStore, type StreamStore } from '../../src/engine/index.js';
import { buildServer } from '../../src/server/app.js';
import { operation } from '../../src/server/aws-protocol/aws-json-service.js';
import { structure } from '../../src/server/aws-protocol/shape.js';

let store: StreamStore;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  store = await openStreamStore({});
});

afterAll(async () => {
  await store.close();
});

const headers = (target: string) => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': target,
  'x-amz-date': '20261125T172618Z',
  authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abc',
});

describe('buildServer', () => {
  it('serves registered services, plugins and extra metrics next to Kinesis', async () => {
    const server = buildServer({
      store,
      logger: false,
      plugins: [async (instance) => void instance.get('/extra', async () => ({ extra: true }))],
      metrics: [() => 'extra_metric 1\n'],
    });
    expect((await server.inject({ method: 'GET', url: '/extra' })).json()).toEqual({ extra: true });
    expect((await server.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/\nextra_metric 1\n$/);
    const limits = await server.inject({ method: 'POST', url: '/', headers: headers('Kinesis_20131202.DescribeLimits'), payload: '{}' });
    expect(limits.statusCode).toBe(200);
    await server.close();
  });

  it('logs one line per internal failure and nothing for client errors', async () => {
    const server = buildServer({
      store,
      logger: { level: 'warn', stream: logStream },
      services: [{ targetPrefix: 'Test_20200101', operations: { Fail: operation(structure({}), () => Promise.reject(new Error('disk on fire'))) } }],
    });
    logLines.length = 0;
    const failed = await server.inject({ method: 'POST', url: '/', headers: headers('Test_20200101.Fail'), payload: '{}' });
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual({ __type: 'InternalFailure', message: 'Internal service failure.' });
    const missing = await server.inject({ method: 'POST', url: '/', headers: headers('Kinesis_20131202.DescribeStreamSummary'), payload: '{"StreamName":"x"}' });
    expect(missing.statusCode).toBe(400);
    expect(logLines).toHaveLength(1);
    const line = JSON.parse(logLines[0]!) as { level: number; err: { message: string } };
    expect(line.level).toBe(50);
    expect(line.err.message).toBe('disk on fire');
    await server.close();
  });
});
