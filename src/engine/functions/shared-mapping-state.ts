// Event source mappings on a cluster of Eddy processes: definitions and positions are keys of a shared
// bucket (`mapping.<uuid>`, `checkpoint.<uuid>`), so every process lists every mapping and whichever holds
// a mapping's lease resumes it where the last holder saved its positions. A process follows the
// definitions other processes create, change and delete.
//
// Positions are fenced as query checkpoints are: a process that starts a mapping claims its checkpoint key
// (a write at the revision it read) before reading it, and saves only at the revision of its own last
// write, so a former holder still running unaware (a lease lost to a partition) cannot overwrite them; its
// next save is refused and it stops the mapping.

import { EddyError } from '../errors.js';
import { jsonBytes, KvConflict, parseJson, type SharedKv } from '../cluster/shared-kv.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import type { MappingCheckpoint, MappingPositions, MappingStateStore } from './mapping-state-store.js';

const MAPPING = 'mapping.';
const CHECKPOINT = 'checkpoint.';

/** A checkpoint as the bucket holds it: the positions and the process that last claimed or wrote them. */
interface StoredCheckpoint extends MappingCheckpoint {
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

  /** The definition first, so a process that takes the lease after this finds the mapping gone and does not run it. */
  async remove(uuid: string): Promise<void> {
    await this.kv.delete(MAPPING + uuid);
    await this.kv.delete(CHECKPOINT + uuid).catch(() => undefined);
  }

  async loadCheckpoint(uuid: string): Promise<MappingCheckpoint | undefined> {
    const found = await this.kv.get(CHECKPOINT + uuid);
    return found === undefined ? undefined : positionsOf(parseJson<StoredCheckpoint>(found.value));
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

  /** One key holds a mapping's positions (and tumbling-window states): more than it can take is refused, naming the bound. */
  private bytesOf(uuid: string, checkpoint: StoredCheckpoint): Uint8Array {
    const bytes = jsonBytes(checkpoint);
    if (bytes.length > this.kv.maxValueBytes) {
      throw new EddyError(
        'LimitExceededException',
        `the positions of event source mapping ${uuid} (with their window states) take ${bytes.length.toLocaleString('en-US')} bytes, over the ${this.kv.maxValueBytes.toLocaleString('en-US')} bytes one key of the cluster's bucket holds`,
      );
    }
    return bytes;
  }
}

class ClaimedPositions implements MappingPositions {
  private revision: number | undefined;
  private fenced = false;

  constructor(
    private readonly kv: SharedKv,
    private readonly uuid: string,
    private readonly holder: string,
    private readonly bytesOf: (checkpoint: StoredCheckpoint) => Uint8Array,
  ) {}

  get superseded(): boolean {
    return this.fenced;
  }

  async load(): Promise<MappingCheckpoint | undefined> {
    if ((await this.kv.get(MAPPING + this.uuid)) === undefined) throw new EddyError('ResourceNotFoundException', `event source mapping ${this.uuid} was deleted`);
    const key = CHECKPOINT + this.uuid;
    for (;;) {
      const current = await this.kv.get(key);
      const saved = current === undefined ? undefined : positionsOf(parseJson<StoredCheckpoint>(current.value));
      const claim = this.bytesOf({ ...(saved ?? { shards: {} }), holder: this.holder });
      try {
        this.revision = current === undefined ? await this.kv.create(key, claim) : await this.kv.update(key, claim, current.revision);
      } catch (e) {
        if (e instanceof KvConflict) continue;
        throw e;
      }
      return saved;
    }
  }

  async save(checkpoint: MappingCheckpoint): Promise<void> {
    if (this.fenced || this.revision === undefined) throw this.takenOver();
    const bytes = this.bytesOf({ ...checkpoint, holder: this.holder });
    try {
      this.revision = await this.kv.update(CHECKPOINT + this.uuid, bytes, this.revision);
    } catch (e) {
      if (!(e instanceof KvConflict)) throw e;
      this.fenced = true;
      throw this.takenOver();
    }
  }

  private takenOver(): EddyError {
    return new EddyError('ResourceInUseException', `event source mapping ${this.uuid} was taken over by another Eddy process (or deleted)`, 'external');
  }
}

function positionsOf(stored: StoredCheckpoint): MappingCheckpoint {
  return { shards: stored.shards, ...(stored.windows === undefined ? {} : { windows: stored.windows }) };
}
