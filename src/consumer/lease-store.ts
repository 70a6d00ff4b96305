// Where a consumer group keeps its leases. The KCL uses a DynamoDB table; against Eddy the server keeps
// them (EddyLeaseStore). Every change is a compare-and-set on the lease counter, which is all a store
// must offer, so a DynamoDB store (conditional writes on leaseCounter) can implement this interface for
// running against AWS; Eddy does not ship one yet.

export interface Lease {
  /** The shard id. */
  readonly leaseKey: string;
  readonly leaseOwner: string | null;
  readonly leaseCounter: number;
  /** A sequence number, TRIM_HORIZON, LATEST, AT_TIMESTAMP:<epoch ms>, or SHARD_END. */
  readonly checkpoint: string;
  readonly checkpointSubSequenceNumber: number;
  readonly parentLeaseKeys: readonly string[];
  readonly ownerSwitchesSinceCheckpoint: number;
}

/** The store refused a change because the lease moved on (another owner, or a newer counter). */
export class LeaseConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseConflictError';
  }
}

export interface LeaseStore {
  listLeases(): Promise<Lease[]>;
  /** Creates a lease; a LeaseConflictError if one exists for the key already. */
  createLease(lease: { leaseKey: string; checkpoint: string; parentLeaseKeys: readonly string[] }): Promise<Lease>;
  takeLease(leaseKey: string, owner: string, expectedCounter: number): Promise<Lease>;
  /** Renews each held lease (key → counter); answers the new counters and the keys that were lost. */
  renewLeases(owner: string, leases: Readonly<Record<string, number>>): Promise<{ renewed: Record<string, number>; lost: string[] }>;
  checkpoint(leaseKey: string, owner: string, expectedCounter: number, checkpoint: string, subSequenceNumber: number): Promise<Lease>;
  evictLease(leaseKey: string, owner: string, expectedCounter: number): Promise<Lease>;
}
