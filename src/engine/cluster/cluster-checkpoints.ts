// Query checkpoints in a shared bucket, so whichever process takes a query over resumes it where its
// last holder checkpointed. The positions a checkpoint holds are Kinesis sequence numbers, the same in
// every process of the cluster.
//
// Keys, for a query whose id is <q> (hex):
//   head.<q>                     {"holder","writer","generation","pieces":[chunks of piece 0, …],"bytes"}
//   piece.<q>.<w>.<s>.<n>.<k>    chunk k of piece n written by writer w in slot s: piece 0 is a full
//                                checkpoint, piece n > 0 the n-th delta on it (Pipeline.checkpointState)
// Chunks are written first and the head last, by compare-and-set: the head is the commit, and its
// revision is the fence. A process that takes a query claims the head (a write at the revision it read)
// before reading the checkpoint, and writes its pieces under a writer token of its own, so a former
// holder still running, which does not know yet, can neither overwrite a piece the new holder resumed
// from nor land a head: it fails its next head write and stops. A writer alternates between two slots,
// one generation (a full checkpoint and its deltas) in each, so a new full checkpoint overwrites the
// pieces of the one before the last instead of adding keys (a deleted key leaves a marker behind in a
// JetStream bucket); the keys of a former writer are deleted once a head of the new one has landed.

import { EddyError } from '../errors.js';
import { isDelta, withChanges, type QueryCheckpoint } from '../plan/checkpoint.js';
import { jsonBytes, keyToken, KvConflict, parseJson, type KvValue, type SharedKv } from './shared-kv.js';

/** Bytes one query's checkpoint (its full state and the deltas on it) may take unless told otherwise. */
export const DEFAULT_MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;

interface Head {
  readonly holder: string;
  /** Whose pieces these are: the revision of the claim that began that holder's writes. */
  readonly writer: string;
  readonly generation: number;
  /** Chunks of each piece: [0] the full checkpoint, then its deltas in order. */
  readonly pieces: readonly number[];
  readonly bytes: number;
}

export interface ClusterCheckpointOptions {
  readonly holder: string;
  /** Bound of one query's checkpoint; a query whose checkpoint would take more fails, naming it. */
  readonly maxBytes?: number;
}

export class ClusterCheckpoints {
  private readonly maxBytes: number;
  private readonly chunkBytes: number;

  constructor(
    private readonly kv: SharedKv,
    private readonly options: ClusterCheckpointOptions,
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_CHECKPOINT_BYTES;
    this.chunkBytes = Math.max(1024, Math.min(kv.maxValueBytes, 1024 * 1024));
  }

  /**
   * Fences off every earlier writer of the query's checkpoints and reads the last one. The writer
   * returned is the only one whose saves land from now on.
   */
  async claim(queryId: string): Promise<{ checkpoint: QueryCheckpoint | undefined; writer: CheckpointWriter }> {
    const q = keyToken(queryId);
    for (;;) {
      const current = await this.kv.get(headKey(q));
      const head: Head = current === undefined ? { holder: this.options.holder, writer: '0', generation: 0, pieces: [], bytes: 0 } : { ...parseJson<Head>(current.value), holder: this.options.holder };
      let revision: number;
      try {
        revision = current === undefined ? await this.kv.create(headKey(q), jsonBytes(head)) : await this.kv.update(headKey(q), jsonBytes(head), current.revision);
      } catch (e) {
        if (e instanceof KvConflict) continue;
        throw e;
      }
      const checkpoint = await this.read(q, head);
      return { checkpoint, writer: new CheckpointWriter(this.kv, queryId, q, head, revision, String(revision), this.chunkBytes, this.maxBytes) };
    }
  }

  /** Deletes a query's checkpoint (the query is gone). */
  async remove(queryId: string): Promise<void> {
    const q = keyToken(queryId);
    await this.kv.delete(headKey(q)).catch(() => undefined);
    const pieces = await this.kv.snapshot(`piece.${q}.`);
    for (const { key } of pieces.entries) await this.kv.delete(key).catch(() => undefined);
  }

  private async read(q: string, head: Head): Promise<QueryCheckpoint | undefined> {
    if (head.pieces.length === 0) return undefined;
    const pieces: QueryCheckpoint[] = [];
    for (let n = 0; n < head.pieces.length; n++) {
      const chunks: Uint8Array[] = [];
      for (let k = 0; k < head.pieces[n]!; k++) {
        const chunk: KvValue | undefined = await this.kv.get(pieceKey(q, head, n, k));
        if (chunk === undefined) throw new EddyError('InternalFailure', `checkpoint ${q} of generation ${head.generation} lacks piece ${n}, chunk ${k}`);
        chunks.push(chunk.value);
      }
      pieces.push(parseJson<QueryCheckpoint>(Buffer.concat(chunks)));
    }
    return withChanges(pieces[0]!, pieces.slice(1));
  }
}

/** Saves one holder's checkpoints of one query, in order, for as long as no other process has claimed them. */
export class CheckpointWriter {
  private fenced = false;

  constructor(
    private readonly kv: SharedKv,
    private readonly queryId: string,
    private readonly q: string,
    private head: Head,
    private revision: number,
    /** This writer's token in the keys of its pieces. */
    private readonly writer: string,
    private readonly chunkBytes: number,
    private readonly maxBytes: number,
  ) {}

  /** Whether another process has claimed the query's checkpoints since this writer's claim. */
  get superseded(): boolean {
    return this.fenced;
  }

  /**
   * Writes a checkpoint (a full one or a delta on those before it); rejects with a KvConflict once
   * another process has claimed the query, and with a user error when it would pass the size bound.
   */
  async save(checkpoint: QueryCheckpoint): Promise<void> {
    if (this.fenced) throw new EddyError('ResourceInUseException', `query ${this.queryId} was taken over by another Eddy process`, 'external');
    const bytes = jsonBytes(checkpoint);
    const delta = isDelta(checkpoint) && this.head.pieces.length > 0;
    const total = (delta ? this.head.bytes : 0) + bytes.length;
    if (total > this.maxBytes) {
      throw new EddyError(
        'LimitExceededException',
        `the checkpoint of query ${this.queryId} would take ${total.toLocaleString('en-US')} bytes, over the bound of ${this.maxBytes.toLocaleString('en-US')} bytes a query's checkpoint may take in the cluster`,
      );
    }
    const previous = this.head;
    // A delta goes on a base of this writer's; the first checkpoint after a claim is always a full one.
    const onMine = delta && previous.writer === this.writer;
    if (delta && !onMine) throw new EddyError('InternalFailure', `query ${this.queryId} saved changes before a full checkpoint`);
    const generation = onMine ? previous.generation : previous.generation + 1;
    const chunks = Math.max(1, Math.ceil(bytes.length / this.chunkBytes));
    const head: Head = { holder: previous.holder, writer: this.writer, generation, pieces: onMine ? [...previous.pieces, chunks] : [chunks], bytes: total };
    const n = head.pieces.length - 1;
    for (let k = 0; k < chunks; k++) await this.kv.put(pieceKey(this.q, head, n, k), bytes.subarray(k * this.chunkBytes, (k + 1) * this.chunkBytes));
    try {
      this.revision = await this.kv.update(headKey(this.q), jsonBytes(head), this.revision);
    } catch (e) {
      if (e instanceof KvConflict) this.fenced = true;
      throw e;
    }
    this.head = head;
    if (previous.writer !== this.writer) await deletePieces(this.kv, this.q, previous).catch(() => undefined);
  }
}

/** Deletes a former writer's pieces (both of its slots). */
async function deletePieces(kv: SharedKv, q: string, head: Head): Promise<void> {
  const pieces = await kv.snapshot(`piece.${q}.${head.writer}.`);
  for (const { key } of pieces.entries) await kv.delete(key).catch(() => undefined);
}

function headKey(q: string): string {
  return `head.${q}`;
}

function pieceKey(q: string, head: Head, n: number, k: number): string {
  return `piece.${q}.${head.writer}.${head.generation % 2}.${n}.${k}`;
}
