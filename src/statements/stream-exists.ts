// Whether the store has a stream: the question DDL and applications ask before creating or attaching one.
// A stream another process sharing the store created a moment ago counts: the store reads it first.
import { isEddyError, type StreamStore } from '../engine/index.js';

export async function streamExists(store: StreamStore, name: string): Promise<boolean> {
  await store.knowStream(name);
  try {
    store.describeStream(name);
    return true;
  } catch (e) {
    if (isEddyError(e) && e.code === 'ResourceNotFoundException') return false;
    throw e;
  }
}
