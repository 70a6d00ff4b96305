// How many copies a stream gets on JetStream when nobody says: the servers a connection learns of come
// late on a busy machine, so the servers the user named count too.
import type { ServerInfo } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { defaultReplicas } from '../../../../src/engine/stream/nats/default-replicas.js';

const urls = (n: number): string[] => Array.from({ length: n }, (_, i) => `127.0.0.1:${4222 + i}`);
const info = (fields: Partial<ServerInfo>): ServerInfo => ({ server_id: 'id', server_name: 'n1', version: '2.9.10', max_payload: 1 << 20, ...fields }) as ServerInfo;

describe('defaultReplicas', () => {
  it('keeps one copy on a server that is not in a cluster', () => {
    expect(defaultReplicas(info({}), urls(3))).toBe(1);
  });

  it('keeps three copies when the server lists three of a cluster', () => {
    expect(defaultReplicas(info({ cluster: 'eddy', connect_urls: urls(3) }), urls(1))).toBe(3);
  });

  it('keeps three copies when three servers were named though the server lists only two so far', () => {
    expect(defaultReplicas(info({ cluster: 'eddy', connect_urls: urls(2) }), urls(3).map((u) => `nats://${u}`))).toBe(3);
  });

  it('keeps no more than three copies on a larger cluster, and two on a cluster of two', () => {
    expect(defaultReplicas(info({ cluster: 'eddy', connect_urls: urls(5) }), urls(5))).toBe(3);
    expect(defaultReplicas(info({ cluster: 'eddy', connect_urls: urls(2) }), urls(2))).toBe(2);
  });
});
