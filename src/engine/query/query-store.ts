// What a running query asks of the stream store: follow shards, see resharding and deletion, and write
// its output (INSERT INTO, late rows, bad records). Narrower than StreamStore so that a query on a worker
// thread can be given a store that forwards these calls to the main thread's (threads/thread-store.ts).
import type { StreamStore } from '../stream/stream-store.js';

export type QueryStore = Pick<StreamStore, 'describeStream' | 'listStreams' | 'openCursor' | 'onStreamEvent' | 'putRecords'>;
