// The catalog of a cluster: every item (a stream's schema, a table, a view, a function, a print or
// blackhole table, a query's definition) is one key of a shared bucket, `<kind>.<name in hex>`, so a
// change through one Eddy process is seen by all of them, and a query started through one can run on
// any. Items are written whole and last writer wins, as statements on one process already behave;
// checkpoints are not here (they belong to whichever process runs the query, see cluster-checkpoints.ts).

import { jsonBytes, keyToken, nameOfToken, parseJson, type SharedKv } from '../cluster/shared-kv.js';

export const SHARED_ITEM_KINDS = ['stream', 'table', 'view', 'function', 'sinkTable', 'query'] as const;
export type SharedItemKind = (typeof SHARED_ITEM_KINDS)[number];

/** One item as the bucket holds it; `value` undefined: the item was dropped. */
export interface SharedItemChange {
  readonly kind: SharedItemKind;
  readonly name: string;
  readonly value: unknown;
}

export class SharedCatalog {
  private stopWatch: (() => Promise<void>) | undefined;

  constructor(private readonly kv: SharedKv) {}

  async write(kind: SharedItemKind, name: string, value: unknown): Promise<void> {
    const key = `${kind}.${keyToken(name)}`;
    if (value === undefined) await this.kv.delete(key);
    else await this.kv.put(key, jsonBytes(value));
  }

  /** Reads every item, then reports each later change in order until closed. */
  async open(apply: (change: SharedItemChange) => void): Promise<void> {
    const snapshot = await this.kv.snapshot('');
    for (const entry of snapshot.entries) {
      const change = changeOf(entry.key, entry.value);
      if (change) apply(change);
    }
    const watch = await this.kv.watch('', snapshot.revision, (c) => {
      const change = changeOf(c.key, c.value);
      if (change) apply(change);
    });
    this.stopWatch = () => watch.stop();
  }

  async close(): Promise<void> {
    await this.stopWatch?.();
  }
}

function changeOf(key: string, value: Uint8Array | undefined): SharedItemChange | undefined {
  const dot = key.indexOf('.');
  const kind = key.slice(0, dot) as SharedItemKind;
  if (dot < 0 || !SHARED_ITEM_KINDS.includes(kind)) return undefined;
  let parsed: unknown;
  try {
    parsed = value === undefined ? undefined : parseJson<unknown>(value);
  } catch {
    return undefined;
  }
  return { kind, name: nameOfToken(key.slice(dot + 1)), value: parsed };
}
