// Whether the store has a stream: the question DDL and applications ask before creating or attaching one.
import { isEddyError, type StreamStore } from '../engine/index.js';

export function streamExists(store: StreamStore, name: string): boolean {
  try {
    store.describeStream(name);
    return true;
  } catch (e) {
    if (isEddyError(e) && e.code === 'ResourceNotFoundException') return false;
    throw e;
  }
}
