// The lease store Eddy serves at /v1/consumer-groups/<group>: plain JSON over HTTP (no AWS signature;
// the endpoint is Eddy's own), a 409 meaning the compare-and-set failed.

import { LeaseConflictError, type Lease, type LeaseStore } from './lease-store.js';

export interface EddyLeaseStoreOptions {
  /** Eddy's endpoint, e.g. http://127.0.0.1:4567. */
  readonly endpoint: string;
  readonly groupName: string;
  readonly streamName: string;
}

export class EddyLeaseStore implements LeaseStore {
  private readonly base: string;

  constructor(private readonly o: EddyLeaseStoreOptions) {
    this.base = `${o.endpoint.replace(/\/+$/, '')}/v1/consumer-groups/${encodeURIComponent(o.groupName)}`;
  }

  async listLeases(): Promise<Lease[]> {
    const res = await fetch(`${this.base}/leases`);
    if (res.status === 404) return [];
    return ((await this.answer(res)) as { leases: Lease[] }).leases;
  }

  async createLease(lease: { leaseKey: string; checkpoint: string; parentLeaseKeys: readonly string[] }): Promise<Lease> {
    return (await this.post('/leases', { streamName: this.o.streamName, ...lease })) as Lease;
  }

  async takeLease(leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    return (await this.post(`/leases/${encodeURIComponent(leaseKey)}/take`, { owner, leaseCounter: expectedCounter })) as Lease;
  }

  async renewLeases(owner: string, leases: Readonly<Record<string, number>>): Promise<{ renewed: Record<string, number>; lost: string[] }> {
    return (await this.post('/renew', { owner, leases })) as { renewed: Record<string, number>; lost: string[] };
  }

  async checkpoint(leaseKey: string, owner: string, expectedCounter: number, checkpoint: string, subSequenceNumber: number): Promise<Lease> {
    return (await this.post(`/leases/${encodeURIComponent(leaseKey)}/checkpoint`, { owner, leaseCounter: expectedCounter, checkpoint, subSequenceNumber })) as Lease;
  }

  async evictLease(leaseKey: string, owner: string, expectedCounter: number): Promise<Lease> {
    return (await this.post(`/leases/${encodeURIComponent(leaseKey)}/evict`, { owner, leaseCounter: expectedCounter })) as Lease;
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    return this.answer(await fetch(`${this.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  }

  private async answer(res: Response): Promise<unknown> {
    const body = (await res.json()) as { error?: { code: string; message: string } };
    if (res.ok) return body;
    const message = body.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 409) throw new LeaseConflictError(message);
    throw Object.assign(new Error(`Lease store: ${body.error?.code ?? res.status}: ${message}`), { code: body.error?.code });
  }
}
