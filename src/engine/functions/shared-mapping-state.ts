// Event source mappings on a cluster of Eddy processes: definitions and positions are keys of a shared
// bucket (`mapping.<uuid>`, `checkpoint.<uuid>`), so every process lists every mapping and whichever holds
// a mapping's lease resumes it where the last holder saved its positions. A process follows the
// definitions other processes create, change and delete.
//
// One mapping per function and stream, as Lambda allows (a second create is refused with
// ResourceConflictException naming the first): a create first claims the key `pair.<function>.<stream>`
// with a write that succeeds only when the key holds nothing, so of two processes creating the same pair
// at once, one wins and the other is refused. A claim whose mapping is gone (deleted, or its creator
// stopped between the claim and the definition) is taken over, at its revision, once it is older than
// CLAIM_GRACE_MS; a younger one may be a create still under way, and refuses too.
//
// Positions are fenced as query checkpoints are: a process that starts a mapping claims its checkpoint key
// (a write at the revision it read) before reading it, and saves only at the revision of its own last
// write, so a former holder still running unaware (a lease lost to a partition) cannot overwrite them; its
// next save is refused and it stops the mapping.

import { EddyError } from '../errors.js';
import { jsonBytes, keyToken, KvConflict, parseJson, type SharedKv } from '../cluster/shared-kv.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import type { MappingCheckpoint, MappingPositions, MappingStateStore } from './mapping-state-store.js';
import { SharedWindowStates, windowKeysOf, type WindowRef } from './shared-window-states.js';

const MAPPING = 'mapping.';
const CHECKPOINT = 'checkpoint.';
const PAIR = 'pair.';
/** A claim on a function and stream this old with no mapping behind it was left by a create that did not finish. */
const CLAIM_GRACE_MS = 60_000;

/** Which mapping holds a function and stream pair, and when its create claimed it (the claimer's clock). */
interface PairClaim {
  readonly uuid: string;
  readonly at: number;
}

/**
 * A checkpoint as the bucket holds it: the positions, where each shard's window state lies (see
 * shared-window-states.ts), and the process that last claimed or wrote them. Checkpoints written before
 * window states had keys of their own hold the states themselves, in `windows`.
 */
interface StoredCheckpoint {
  readonly shards: MappingCheckpoint['shards'];
  readonly windows?: MappingCheckpoint['windows'];
  readonly windowRefs?: Readonly<Record<string, WindowRef>>;
  readonly holder?: string;
}

/** A definition written or deleted (`mapping` undefined) through any process, this one included (the bucket echoes). */
export interface MappingDefinitionChange {
  readonly uuid: string;
  readonly mapping: EventSourceMapping | undefined;
}

export class SharedMappingState implements MappingStateStore {
  /** The bucket's revision when the definitions were listed: the watch resumes after it. */
  private listedAt = 0;
  private stopWatch: (() => Promise<void>) | undefined;

  constructor(private readonly kv: SharedKv) {}

  async list(): Promise<EventSourceMapping[]> {
    const snapshot = await this.kv.snapshot(MAPPING);
    this.listedAt = snapshot.revision;
    return snapshot.entries.map((e) => parseJson<EventSourceMapping>(e.value));
  }

  async save(mapping: EventSourceMapping): Promise<void> {
    await this.kv.put(MAPPING + mapping.uuid, jsonBytes(mapping));
  }

  /**
   * Claims `functionName` on `streamName` for mapping `uuid` (see the top of this file); answers the uuid of
   * the mapping that holds the pair instead, if another does.
   */
  async claimPair(functionName: string, streamName: string, uuid: string, now: number): Promise<string | undefined> {
    const key = pairKey(functionName, streamName);
    const claim = jsonBytes({ uuid, at: now } satisfies PairClaim);
    for (;;) {
      const current = await this.kv.get(key);
      try {
        if (current === undefined) {
          await this.kv.create(key, claim);
          return undefined;
        }
        const held = parseJson<PairClaim>(current.value);
        if (held.uuid === uuid) return undefined;
        if (await this.holds(held, functionName, streamName, now)) return held.uuid;
        await this.kv.update(key, claim, current.revision);
        return undefined;
      } catch (e) {
        // Another process claimed or released it meanwhile: look again.
        if (!(e instanceof KvConflict)) throw e;
      }
    }
  }

  /** Gives up the pair's claim if mapping `uuid` holds it (a create that failed, a mapping moved to another function, or deleted). */
  async releasePair(functionName: string, streamName: string, uuid: string): Promise<void> {
    const key = pairKey(functionName, streamName);
    const current = await this.kv.get(key);
    if (current === undefined || parseJson<PairClaim>(current.value).uuid !== uuid) return;
    await this.kv.delete(key, current.revision).catch((e: unknown) => {
      if (!(e instanceof KvConflict)) throw e;
    });
  }

  /** The definition first, so a process that takes the lease after this finds the mapping gone and does not run it; then its pair's claim. */
  async remove(uuid: string): Promise<void> {
    const found = await this.kv.get(MAPPING + uuid);
    await this.kv.delete(MAPPING + uuid);
    await this.kv.delete(CHECKPOINT + uuid).catch(() => undefined);
    const windows = await this.kv.snapshot(windowKeysOf(uuid)).catch(() => undefined);
    for (const e of windows?.entries ?? []) await this.kv.delete(e.key).catch(() => undefined);
    if (found === undefined) return;
    const mapping = parseJson<EventSourceMapping>(found.value);
    // Left behind, the claim would refuse creates of the pair for CLAIM_GRACE_MS at most.
    await this.releasePair(mapping.functionName, mapping.streamName, uuid).catch(() => undefined);
  }

  async loadCheckpoint(uuid: string): Promise<MappingCheckpoint | undefined> {
    const found = await this.kv.get(CHECKPOINT + uuid);
    return found === undefined ? undefined : positionsOf(parseJson<StoredCheckpoint>(found.value), new SharedWindowStates(this.kv, uuid, ''));
  }

  /** Written whatever the key holds: only for a new mapping's first positions (LATEST pinned), before anyone runs it. */
  async saveCheckpoint(uuid: string, checkpoint: MappingCheckpoint): Promise<void> {
    await this.kv.put(CHECKPOINT + uuid, this.bytesOf(uuid, checkpoint));
  }

  /** The positions of a mapping this process is about to run, fenced against every earlier holder. */
  positionsFor(uuid: string, holder: string): MappingPositions {
    return new ClaimedPositions(this.kv, uuid, holder, (checkpoint) => this.bytesOf(uuid, checkpoint));
  }

  /** Reports each definition written or deleted after the listing, in order, until closed. */
  async watch(listener: (change: MappingDefinitionChange) => void): Promise<void> {
    const watch = await this.kv.watch(MAPPING, this.listedAt, (c) => {
      let mapping: EventSourceMapping | undefined;
      try {
        mapping = c.value === undefined ? undefined : parseJson<EventSourceMapping>(c.value);
      } catch {
        return;
      }
      listener({ uuid: c.key.slice(MAPPING.length), mapping });
    });
    this.stopWatch = () => watch.stop();
  }

  async close(): Promise<void> {
    await this.stopWatch?.();
  }

  /** Whether the claim's mapping holds the pair: it exists and still names them, or its create may still be under way. */
  private async holds(claim: PairClaim, functionName: string, streamName: string, now: number): Promise<boolean> {
    const found = await this.kv.get(MAPPING + claim.uuid);
    if (found === undefined) return now - claim.at < CLAIM_GRACE_MS;
    const mapping = parseJson<EventSourceMapping>(found.value);
    return mapping.functionName === functionName && mapping.streamName === streamName;
  }

  /** One key holds a mapping's positions (and where its window states lie): more than it can take is refused, naming the bound. */
  private bytesOf(uuid: string, checkpoint: StoredCheckpoint): Uint8Array {
    const bytes = jsonBytes(checkpoint);
    if (bytes.length > this.kv.maxValueBytes) {
      throw new EddyError(
        'LimitExceededException',
        `the positions of event source mapping ${uuid} take ${bytes.length.toLocaleString('en-US')} bytes, over the ${this.kv.maxValueBytes.toLocaleString('en-US')} bytes one key of the cluster's bucket holds`,
      );
    }
    return bytes;
  }
}

class ClaimedPositions implements MappingPositions {
  private revision: number | undefined;
  private fenced = false;
  private readonly windows: SharedWindowStates;

  constructor(
    private readonly kv: SharedKv,
    private readonly uuid: string,
    private readonly holder: string,
    private readonly bytesOf: (checkpoint: StoredCheckpoint) => Uint8Array,
  ) {
    this.windows = new SharedWindowStates(kv, uuid, holder);
  }

  get superseded(): boolean {
    return this.fenced;
  }

  async load(): Promise<MappingCheckpoint | undefined> {
    if ((await this.kv.get(MAPPING + this.uuid)) === undefined) throw new EddyError('ResourceNotFoundException', `event source mapping ${this.uuid} was deleted`);
    const key = CHECKPOINT + this.uuid;
    for (;;) {
      const current = await this.kv.get(key);
      const stored = current === undefined ? undefined : parseJson<StoredCheckpoint>(current.value);
      // The claim names what the checkpoint named: the window states stay where they are until the next save.
      const claim = this.bytesOf({ ...(stored ?? { shards: {} }), holder: this.holder });
      try {
        this.revision = current === undefined ? await this.kv.create(key, claim) : await this.kv.update(key, claim, current.revision);
      } catch (e) {
        if (e instanceof KvConflict) continue;
        throw e;
      }
      // Read after the claim: no other holder can commit a checkpoint naming other states any more.
      return stored === undefined ? undefined : await positionsOf(stored, this.windows);
    }
  }

  async save(checkpoint: MappingCheckpoint): Promise<void> {
    if (this.fenced || this.revision === undefined) throw this.takenOver();
    const windows = checkpoint.windows ?? {};
    const windowRefs = await this.windows.write(windows);
    const bytes = this.bytesOf({ shards: checkpoint.shards, ...(Object.keys(windowRefs).length > 0 ? { windowRefs } : {}), holder: this.holder });
    try {
      this.revision = await this.kv.update(CHECKPOINT + this.uuid, bytes, this.revision);
    } catch (e) {
      if (!(e instanceof KvConflict)) throw e;
      this.fenced = true;
      throw this.takenOver();
    }
    await this.windows.committed(windowRefs, windows);
  }

  private takenOver(): EddyError {
    return new EddyError('ResourceInUseException', `event source mapping ${this.uuid} was taken over by another Eddy process (or deleted)`, 'external');
  }
}

/** The positions a stored checkpoint names, with the window states it holds or names (read through `windows`). */
async function positionsOf(stored: StoredCheckpoint, windows: SharedWindowStates): Promise<MappingCheckpoint> {
  const states = stored.windowRefs === undefined ? stored.windows : await windows.read(stored.windowRefs);
  return { shards: stored.shards, ...(states === undefined || Object.keys(states).length === 0 ? {} : { windows: states }) };
}

function pairKey(functionName: string, streamName: string): string {
  return `${PAIR}${keyToken(functionName)}.${keyToken(streamName)}`;
}
