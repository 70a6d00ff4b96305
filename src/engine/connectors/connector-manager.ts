// Runs the connectors of the catalog's streams: a source per stream declared with a connector (started
// when the stream is created or the engine starts, stopped when it is dropped), and the sink INSERT INTO
// writes through.

import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../clock.js';
import type { ConnectorConfig } from '../plan/connector.js';
import type { PutTarget } from '../query/stream-sink.js';
import { encodePathComponent } from '../safe-path.js';
import type { StreamStore } from '../stream/stream-store.js';
import { KinesisSink } from './kinesis-sink.js';
import { KinesisSource, type KinesisSourceStatus } from './kinesis-source.js';
import type { LeaseKeeper } from '../cluster/lease-keeper.js';
import { keyToken } from '../cluster/shared-kv.js';

export interface ConnectorManagerOptions {
  readonly store: StreamStore;
  readonly catalog: Catalog;
  readonly clock: Clock;
  /** Where sources save their positions (`<dataDir>/connectors/`); in memory without it. */
  readonly dataDir?: string;
  /** How long a caught-up source waits before asking again (default 1 s). */
  readonly pollMs?: number;
  /**
   * On a cluster of Eddy processes (which share the catalog): a stream's source runs only on the process
   * holding its lease, so the records of the stream elsewhere are copied in once, not once per process.
   */
  readonly leases?: LeaseKeeper;
}

export class ConnectorManager {
  private readonly sources = new Map<string, { readonly key: string; readonly source: KinesisSource }>();
  private readonly sinks = new Map<string, { readonly key: string; readonly sink: KinesisSink }>();
  /** On a cluster: streams whose source's lease this process competes for. */
  private readonly competing = new Set<string>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly o: ConnectorManagerOptions) {}

  /** Starts the sources of connector streams in the catalog and stops those of streams no longer there. */
  sync(): Promise<void> {
    const next = this.syncing.catch(() => undefined).then(() => this.syncNow());
    this.syncing = next;
    return next;
  }

  /** Where INSERT INTO `stream` puts its records, when the stream has a connector. */
  sinkFor(stream: string): PutTarget | undefined {
    const connector = this.connectorOf(stream);
    if (connector === undefined) return undefined;
    const key = JSON.stringify(connector);
    let entry = this.sinks.get(stream);
    if (entry === undefined || entry.key !== key) {
      entry?.sink.close();
      entry = { key, sink: new KinesisSink(connector) };
      this.sinks.set(stream, entry);
    }
    return entry.sink;
  }

  list(): KinesisSourceStatus[] {
    return [...this.sources.values()].map((s) => s.source.status());
  }

  async close(): Promise<void> {
    await this.syncing.catch(() => undefined);
    await Promise.all([...this.sources.values()].map((s) => s.source.stop()));
    this.sources.clear();
    for (const stream of this.competing) await this.o.leases?.release(leaseKeyOf(stream));
    this.competing.clear();
    for (const { sink } of this.sinks.values()) sink.close();
    this.sinks.clear();
  }

  private connectorOf(stream: string): ConnectorConfig | undefined {
    return this.o.catalog.stream(stream)?.connector;
  }

  private async syncNow(): Promise<void> {
    const wanted = new Map<string, ConnectorConfig>();
    for (const schema of this.o.catalog.listStreams()) if (schema.connector !== undefined) wanted.set(schema.name, schema.connector);
    const leases = this.o.leases;
    if (leases) {
      for (const stream of [...this.competing]) {
        if (wanted.has(stream)) continue;
        this.competing.delete(stream);
        await leases.release(leaseKeyOf(stream));
      }
      for (const stream of wanted.keys()) {
        if (this.competing.has(stream)) continue;
        this.competing.add(stream);
        // Taking or losing the lease syncs again, which starts or stops the source here.
        await leases.want(leaseKeyOf(stream), { acquired: () => void this.sync(), lost: () => void this.sync() });
      }
    }
    const runsHere = (stream: string): boolean => leases === undefined || leases.holds(leaseKeyOf(stream));
    for (const [stream, entry] of [...this.sources]) {
      const connector = wanted.get(stream);
      if (connector !== undefined && JSON.stringify(connector) === entry.key && runsHere(stream)) continue;
      await entry.source.stop();
      this.sources.delete(stream);
    }
    for (const [stream, connector] of wanted) {
      if (this.sources.has(stream) || !runsHere(stream)) continue;
      const source = new KinesisSource({
        localStream: stream,
        config: connector,
        store: this.o.store,
        clock: this.o.clock,
        positionsFile: this.o.dataDir === undefined ? undefined : join(this.o.dataDir, 'connectors', `${encodePathComponent(stream)}.json`),
        ...(this.o.pollMs === undefined ? {} : { pollMs: this.o.pollMs }),
      });
      await source.start();
      this.sources.set(stream, { key: JSON.stringify(connector), source });
    }
  }
}

function leaseKeyOf(stream: string): string {
  return `connector.${keyToken(stream)}`;
}
