// DiscoverInputSchema: samples a stream's records and infers the input schema an application would
// read them with, as the service's console did. Records that all parse as JSON objects give a JSON
// format with one column per leaf (nested objects flattened, `$.a.b` mappings); otherwise lines whose
// fields split the same way on one of `,` `|` `\t` `;` give a CSV format with columns COL1, COL2, ….
// Column types are the narrowest that hold every sampled value: BOOLEAN, INTEGER, BIGINT, DOUBLE,
// TIMESTAMP (ISO 8601 text), else VARCHAR(n) with n the longest value rounded up to a power of two.

import { EddyError, latestRecords, type StreamRecord, type StreamStore } from '../../engine/index.js';
import type { InputStartingPosition, RecordColumn, SourceSchema } from './application.js';

/** Records sampled from each shard (the service sampled a few hundred at most). */
export const MAX_SAMPLED_RECORDS = 100;
/** Bytes of sampled record data considered, over all shards. */
export const MAX_SAMPLED_BYTES = 1024 * 1024;

export interface DiscoveredSchema {
  readonly InputSchema: SourceSchema;
  readonly ParsedInputRecords: string[][];
  readonly RawInputRecords: string[];
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Samples up to MAX_SAMPLED_RECORDS of each shard: the oldest (TRIM_HORIZON) or the newest (NOW, LAST_STOPPED_POINT). */
export async function sampleStream(store: StreamStore, stream: string, position: InputStartingPosition): Promise<string[]> {
  const texts: string[] = [];
  let bytes = 0;
  for (const shard of store.describeStream(stream).shards) {
    let records: readonly StreamRecord[];
    if (position === 'TRIM_HORIZON') {
      const cursor = store.openCursor(stream, shard.shardId, { type: 'TRIM_HORIZON' });
      try {
        records = (await cursor.read({ maxRecords: MAX_SAMPLED_RECORDS, maxBytes: MAX_SAMPLED_BYTES })).records;
      } finally {
        cursor.close();
      }
    } else {
      records = (await latestRecords(store, stream, shard.shardId, MAX_SAMPLED_RECORDS)).reverse();
    }
    for (const r of records) {
      if (bytes + r.data.length > MAX_SAMPLED_BYTES) return texts;
      bytes += r.data.length;
      texts.push(decoder.decode(r.data));
    }
  }
  return texts;
}

/** Infers the schema of the sampled records, or an UnableToDetectSchemaException. */
export function discoverSchema(raw: readonly string[]): DiscoveredSchema {
  if (raw.length === 0) {
    throw new EddyError('UnableToDetectSchemaException', 'No records were found in the streaming source to infer a schema from: put some records, or sample from TRIM_HORIZON.');
  }
  return discoverJson(raw) ?? discoverCsv(raw) ?? unable();
}

function unable(): never {
  throw new EddyError('UnableToDetectSchemaException', 'Unable to determine the schema of the records: they are neither JSON objects nor delimited text with the same number of fields on every line.');
}

type Leaf = { readonly path: readonly string[]; values: unknown[] };

function discoverJson(raw: readonly string[]): DiscoveredSchema | undefined {
  const objects: Record<string, unknown>[] = [];
  for (const text of raw) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    objects.push(value as Record<string, unknown>);
  }
  const leaves = new Map<string, Leaf>();
  const visit = (o: Record<string, unknown>, path: string[]): void => {
    for (const [key, value] of Object.entries(o)) {
      const at = [...path, key];
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) visit(value as Record<string, unknown>, at);
      else if (!Array.isArray(value)) {
        const id = JSON.stringify(at);
        let leaf = leaves.get(id);
        if (!leaf) leaves.set(id, (leaf = { path: at, values: [] }));
        leaf.values.push(value);
      }
    }
  };
  for (const o of objects) visit(o, []);
  if (leaves.size === 0) return undefined;
  const used = new Set<string>();
  const columns: RecordColumn[] = [...leaves.values()].map((leaf) => ({
    Name: uniqueName(columnName(leaf.path.join('_')), used),
    Mapping: `$${leaf.path.map((k) => (/^[A-Za-z0-9_$@-]+$/.test(k) ? `.${k}` : `["${k}"]`)).join('')}`,
    SqlType: sqlTypeOf(leaf.values),
  }));
  const parsed = objects.map((o) => [...leaves.values()].map((leaf) => fieldText(valueAt(o, leaf.path))));
  return {
    InputSchema: { RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } }, RecordEncoding: 'UTF-8', RecordColumns: columns },
    ParsedInputRecords: parsed,
    RawInputRecords: [...raw],
  };
}

const DELIMITERS = [',', '|', '\t', ';'] as const;

function discoverCsv(raw: readonly string[]): DiscoveredSchema | undefined {
  const lines = raw.flatMap((r) => r.split(/\r?\n/)).filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  for (const delimiter of DELIMITERS) {
    const rows = lines.map((l) => splitFields(l, delimiter));
    const width = rows[0]!.length;
    if (width < 2 || rows.some((r) => r.length !== width)) continue;
    const columns: RecordColumn[] = Array.from({ length: width }, (_, i) => ({ Name: `COL${i + 1}`, SqlType: sqlTypeOf(rows.map((r) => typed(r[i]!))) }));
    return {
      InputSchema: {
        RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: delimiter } } },
        RecordEncoding: 'UTF-8',
        RecordColumns: columns,
      },
      ParsedInputRecords: rows,
      RawInputRecords: [...raw],
    };
  }
  return undefined;
}

/** Fields of one line, with RFC 4180 quotes taken off; a line with an unterminated quote is one field. */
function splitFields(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return [line];
  fields.push(field);
  return fields;
}

/** A CSV field as the JSON value it would be if it were one, so both formats type their columns alike. */
function typed(text: string): unknown {
  const t = text.trim();
  if (t === '') return null;
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return text;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The narrowest KDA SQL type holding every non-null value. */
export function sqlTypeOf(values: readonly unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'VARCHAR(8)';
  if (present.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  if (present.every((v) => typeof v === 'number')) {
    const numbers = present as number[];
    if (numbers.every((n) => Number.isInteger(n))) return numbers.every((n) => Math.abs(n) <= 2147483647) ? 'INTEGER' : 'BIGINT';
    return 'DOUBLE';
  }
  if (present.every((v) => typeof v === 'string' && ISO_TIMESTAMP.test(v))) return 'TIMESTAMP';
  const longest = Math.max(1, ...present.map((v) => fieldText(v).length));
  let n = 1;
  while (n < longest) n *= 2;
  return `VARCHAR(${n})`;
}

function valueAt(o: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = o;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function fieldText(v: unknown): string {
  return v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'ORDER', 'BY', 'TIMESTAMP', 'ROWTIME', 'TIME', 'DATE', 'VALUE', 'KEY', 'WINDOW', 'STREAM', 'TABLE', 'INSERT', 'INTO', 'AS']);

/** A column name SQL can use unquoted: letters, digits and `_`, starting with a letter, not a keyword. */
function columnName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z]/.test(cleaned) && !RESERVED.has(cleaned.toUpperCase()) ? cleaned : `COL_${cleaned}`;
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate.toUpperCase()); n++) candidate = `${name}_${n}`;
  used.add(candidate.toUpperCase());
  return candidate;
}
