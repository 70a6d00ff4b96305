// The MetadataExtraction processor's query: a jq object construction of simple paths,
// e.g. `{customer_id: .customer_id, device: .device.type}`. Only this subset of jq is supported.

import { EddyError } from '../errors.js';

export interface PartitionKeyQuery {
  readonly text: string;
  readonly keys: readonly { readonly name: string; readonly path: readonly (string | number)[] }[];
}

const invalid = (text: string, why: string) =>
  new EddyError('InvalidArgumentException', `MetadataExtractionQuery '${text}' is not supported: ${why}. Use an object of simple paths such as {customer_id: .customer_id}.`);

function parsePath(text: string, src: string): (string | number)[] {
  const path: (string | number)[] = [];
  let i = 0;
  if (src[0] !== '.') throw invalid(text, `'${src}' is not a path starting with '.'`);
  while (i < src.length) {
    if (src[i] === '.') {
      i++;
      if (src[i] === '[') continue;
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      if (!m) throw invalid(text, `'${src}' has an empty or invalid field name at position ${i}`);
      path.push(m[0]);
      i += m[0].length;
    } else if (src[i] === '[') {
      const close = src.indexOf(']', i);
      if (close < 0) throw invalid(text, `'${src}' has an unclosed '['`);
      const inner = src.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) path.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) path.push(JSON.parse(inner) as string);
      else throw invalid(text, `'${src}' has an unsupported index '[${inner}]'`);
      i = close + 1;
    } else {
      throw invalid(text, `'${src}' has unexpected text at position ${i}`);
    }
  }
  if (path.length === 0) throw invalid(text, `'${src}' selects the whole record`);
  return path;
}

export function parseMetadataExtractionQuery(text: string): PartitionKeyQuery {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) throw invalid(text, 'it is not an object construction {…}');
  const body = t.slice(1, -1).trim();
  if (body === '') throw invalid(text, 'it defines no keys');
  const keys: { name: string; path: (string | number)[] }[] = [];
  // Split on commas outside brackets and quotes.
  const entries: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      cur += c;
      if (c === '\\') cur += body[++i] ?? '';
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      entries.push(cur);
      cur = '';
    } else cur += c;
  }
  entries.push(cur);
  for (const e of entries) {
    const colon = e.indexOf(':');
    if (colon < 0) throw invalid(text, `'${e.trim()}' is not of the form name: .path`);
    let name = e.slice(0, colon).trim();
    if (/^"[^"]*"$/.test(name)) name = name.slice(1, -1);
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw invalid(text, `key name '${name}' must be letters, digits and underscores`);
    if (keys.some((k) => k.name === name)) throw invalid(text, `key '${name}' is defined twice`);
    keys.push({ name, path: parsePath(text, e.slice(colon + 1).trim()) });
  }
  return { text, keys };
}

/** Extracts the partition keys of one parsed JSON record, or says why it cannot. */
export function extractPartitionKeys(query: PartitionKeyQuery, record: unknown): { keys: Record<string, string> } | { error: string } {
  const keys: Record<string, string> = {};
  for (const k of query.keys) {
    let v: unknown = record;
    for (const step of k.path) {
      // Only the record's own members: `.constructor` of a record without one is missing, not Object.
      if (v === null || typeof v !== 'object' || !Object.hasOwn(v, step)) {
        v = undefined;
        break;
      }
      v = (v as Record<string | number, unknown>)[step];
    }
    // Defined rather than assigned, so a key named __proto__ is a key like any other.
    const set = (value: string) => Object.defineProperty(keys, k.name, { value, enumerable: true, writable: true, configurable: true });
    if (typeof v === 'string') set(v);
    else if (typeof v === 'number' || typeof v === 'boolean') set(String(v));
    else return { error: `Non JSON-primitive value or missing value for partition key '${k.name}' at path ${k.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}.` };
  }
  return { keys };
}
