// The little of a key-value store that Eddy processes need to share a catalog, leases and checkpoints:
// reads, compare-and-set writes on a key's revision, deletes, and a watch. A JetStream bucket is the one
// used in production (nats-kv.ts); tests may hand in any other that keeps the same promises.

import { checkpointJson, parseCheckpointJson } from '../plan/checkpoint.js';

/** A value and the revision that wrote it (revisions increase across the whole bucket). */
export interface KvValue {
  readonly value: Uint8Array;
  readonly revision: number;
}

/** One change a watch reports: a value written, or (`value` undefined) a key deleted. */
export interface KvChange {
  readonly key: string;
  readonly value: Uint8Array | undefined;
  readonly revision: number;
}

/** What a bucket holds under a prefix, and the bucket's revision when it was read (a watch resumes after it). */
export interface KvSnapshot {
  readonly entries: readonly (KvValue & { readonly key: string })[];
  readonly revision: number;
}

export interface SharedKv {
  /** The key's value; undefined when it was never written or was deleted. */
  get(key: string): Promise<KvValue | undefined>;
  /** Writes a key that holds nothing (never written, or deleted); a KvConflict when it holds a value. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** Writes a key whose last revision is `revision`; a KvConflict when another write came first. */
  update(key: string, value: Uint8Array, revision: number): Promise<number>;
  /** Writes a key whatever it holds. */
  put(key: string, value: Uint8Array): Promise<number>;
  /** Deletes a key (only at `revision`, when given: a KvConflict otherwise). */
  delete(key: string, revision?: number): Promise<void>;
  /** Every key under `prefix` (which ends with `.`) with its value. */
  snapshot(prefix: string): Promise<KvSnapshot>;
  /** Reports each change under `prefix` after `afterRevision`, in order, until stopped. */
  watch(prefix: string, afterRevision: number, listener: (change: KvChange) => void): Promise<{ stop(): Promise<void> }>;
  /** The largest value one key may hold, in bytes. */
  readonly maxValueBytes: number;
}

/** A compare-and-set lost to another writer. */
export class KvConflict extends Error {
  constructor(key: string) {
    super(`key ${key} was changed by another writer`);
    this.name = 'KvConflict';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** As JSON, with BigInts (DECIMAL values in operator state) kept as checkpointJson keeps them. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(checkpointJson(value));
}

export function parseJson<T>(bytes: Uint8Array): T {
  return parseCheckpointJson(decoder.decode(bytes)) as T;
}

/** Any text as one key token: keys may hold only `[-/_=.a-zA-Z0-9]`, and `.` separates tokens. */
export function keyToken(name: string): string {
  return Buffer.from(name, 'utf8').toString('hex');
}

export function nameOfToken(token: string): string {
  return Buffer.from(token, 'hex').toString('utf8');
}
