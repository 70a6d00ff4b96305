// Tumbling-window states of an event source mapping on a cluster, kept beside its positions: each shard's
// state in keys of its own, `window.<uuid>.<holder>.<shard>.<slot>.<chunk>`, split into chunks of at most
// one value of the bucket (a state may take Lambda's 1 MiB, more than one value holds by default). The
// checkpoint key names, per shard, the keys holding its state and the revision of each chunk; it is
// written last, by compare-and-set, so a process taking the mapping over reads a consistent set: the keys
// it names are never written again while it names them.
//
// That holds because each holder writes keys of its own (named after it), in two slots per shard taken in
// turn: a new state goes to the slot the checkpoint does not name, and becomes the shard's state only when
// the checkpoint naming it is written. A former holder still running unaware writes at most once more, into
// its own unnamed slot, before its checkpoint write is refused. A state that did not change since the last
// checkpoint is not written again. Keys no checkpoint names any more are deleted once one that does not
// name them is written; those left by a process that stopped between the two go with the mapping.

import { EddyError } from '../errors.js';
import { jsonBytes, keyToken, parseJson, type SharedKv } from '../cluster/shared-kv.js';

/** A shard's window: when it started and the state its last invocation returned. */
export interface WindowState {
  readonly start: number;
  readonly state: Record<string, unknown>;
}

/** Where a shard's window state lies: its keys' common name and the revision of each chunk, in order. */
export interface WindowRef {
  readonly start: number;
  readonly key: string;
  readonly revisions: readonly number[];
}

const WINDOW = 'window.';

/** The prefix of every window-state key of a mapping (to delete them with it). */
export function windowKeysOf(uuid: string): string {
  return `${WINDOW}${keyToken(uuid)}.`;
}

export class SharedWindowStates {
  /** What the last checkpoint written or read names, per shard, with the text of its state once known. */
  private named: Record<string, WindowRef> = {};
  private readonly texts = new Map<string, string>();
  /** Keys this holder wrote, with their chunk count, until no checkpoint names them. */
  private readonly own = new Map<string, number>();
  /** Whether the keys of the holders before this one were looked for, after its first checkpoint. */
  private swept = false;

  constructor(
    private readonly kv: SharedKv,
    private readonly uuid: string,
    private readonly holder: string,
  ) {}

  /** Reads the states `refs` name (from a checkpoint just read), which the next write starts from. */
  async read(refs: Readonly<Record<string, WindowRef>>): Promise<Record<string, WindowState>> {
    const out: Record<string, WindowState> = {};
    for (const [shardId, ref] of Object.entries(refs)) {
      const chunks: Uint8Array[] = [];
      for (const [i, revision] of ref.revisions.entries()) {
        const chunk = await this.kv.get(`${ref.key}.${i}`);
        if (chunk === undefined || chunk.revision !== revision) {
          throw new EddyError('InternalFailure', `the window state of shard ${shardId} of event source mapping ${this.uuid} is not the one its positions name (chunk ${i} of ${ref.key})`, 'internal');
        }
        chunks.push(chunk.value);
      }
      const state = parseJson<Record<string, unknown>>(Buffer.concat(chunks));
      out[shardId] = { start: ref.start, state };
      this.texts.set(shardId, JSON.stringify(state));
    }
    this.named = { ...refs };
    return out;
  }

  /** Writes into this holder's keys the states that changed since the last checkpoint; answers the refs the next one names. */
  async write(windows: Readonly<Record<string, WindowState>>): Promise<Record<string, WindowRef>> {
    const refs: Record<string, WindowRef> = {};
    for (const [shardId, window] of Object.entries(windows)) {
      const text = JSON.stringify(window.state);
      const named = this.named[shardId];
      if (named !== undefined && this.own.has(named.key) && named.start === window.start && this.texts.get(shardId) === text) {
        refs[shardId] = named;
        continue;
      }
      refs[shardId] = await this.writeState(shardId, window, named);
    }
    return refs;
  }

  /**
   * A checkpoint naming `refs` was written: they are the shards' states now, and the keys it no longer
   * names (this holder's, and those of the holder before, which can no longer commit) are deleted.
   */
  async committed(refs: Readonly<Record<string, WindowRef>>, windows: Readonly<Record<string, WindowState>>): Promise<void> {
    const keep = new Set(Object.values(refs).map((r) => r.key));
    const gone = new Map<string, number>();
    const candidates = new Map<string, number>([...Object.values(this.named).map((r): [string, number] => [r.key, r.revisions.length]), ...this.own]);
    for (const [key, chunks] of candidates) {
      // This holder's other slot of a shard named now is kept: the shard's next state goes there.
      if (!keep.has(key) && !(this.own.has(key) && this.isSlotInUse(key, refs))) gone.set(key, chunks);
    }
    this.named = { ...refs };
    this.texts.clear();
    for (const [shardId, w] of Object.entries(windows)) if (refs[shardId] !== undefined) this.texts.set(shardId, JSON.stringify(w.state));
    for (const [key, chunks] of gone) {
      this.own.delete(key);
      for (let i = 0; i < chunks; i++) await this.kv.delete(`${key}.${i}`).catch(() => undefined);
    }
    if (!this.swept) await this.sweep(keep);
  }

  /**
   * Once per holder, after its first checkpoint: deletes the keys of the holders before it that no
   * checkpoint names (their unnamed slots). A former holder still running unaware may write its unnamed
   * slot once more afterwards; that is for the next holder's sweep, or the mapping's deletion.
   */
  private async sweep(keep: ReadonlySet<string>): Promise<void> {
    const found = await this.kv.snapshot(windowKeysOf(this.uuid)).catch(() => undefined);
    if (found === undefined) return;
    this.swept = true;
    for (const { key: chunk } of found.entries) {
      const key = chunk.slice(0, chunk.lastIndexOf('.'));
      if (!keep.has(key) && !this.own.has(key)) await this.kv.delete(chunk).catch(() => undefined);
    }
  }

  /** Own keys of a shard still in use stay: the other slot of a shard named now is the next one written. */
  private isSlotInUse(key: string, refs: Readonly<Record<string, WindowRef>>): boolean {
    const family = key.slice(0, key.lastIndexOf('.'));
    return Object.values(refs).some((r) => r.key.slice(0, r.key.lastIndexOf('.')) === family);
  }

  private async writeState(shardId: string, window: WindowState, named: WindowRef | undefined): Promise<WindowRef> {
    const family = `${windowKeysOf(this.uuid)}${keyToken(this.holder)}.${keyToken(shardId)}`;
    // The slot the checkpoint does not name (or the first, when it names another holder's keys or none).
    const slot = named !== undefined && named.key === `${family}.0` ? 1 : 0;
    const key = `${family}.${slot}`;
    const bytes = jsonBytes(window.state);
    const size = this.kv.maxValueBytes;
    const revisions: number[] = [];
    for (let at = 0, i = 0; at < bytes.length || i === 0; at += size, i++) revisions.push(await this.kv.put(`${key}.${i}`, bytes.subarray(at, at + size)));
    // Chunks past the new end, left by a larger state this slot held before, are no one's.
    const before = this.own.get(key) ?? 0;
    for (let i = revisions.length; i < before; i++) await this.kv.delete(`${key}.${i}`).catch(() => undefined);
    this.own.set(key, revisions.length);
    return { start: window.start, key, revisions };
  }
}
