// What the WITH (…) options of CREATE STREAM and CREATE TABLE share: each option given once under one
// of its names (csv.delimiter and delimiter are other names of csv.field-delimiter), an unknown option
// refused with the closest known one, and the rules of the options both take.
import type { OptionEntry } from './ast.js';
import { closest } from './did-you-mean.js';
import type { Fail } from './typing.js';

/**
 * The entries in order, each with its option's own name, refusing an unknown or repeated option when it comes. `known`
 * are the names taken (other names too), `what` how the error calls them ('option', 'table option') and
 * `listed` the options it lists.
 */
export function* optionEntries(entries: readonly OptionEntry[], known: readonly string[], what: string, listed: string, fail: Fail): Generator<{ key: string; entry: OptionEntry }> {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!known.includes(entry.key)) {
      const suggestion = closest(entry.key, known);
      fail('InvalidOption', `Unknown ${what} '${entry.key}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (options: ${listed})`, entry.span);
    }
    const key = entry.key === 'csv.delimiter' || entry.key === 'delimiter' ? 'csv.field-delimiter' : entry.key;
    if (seen.has(key)) fail('InvalidOption', `Option '${entry.key}' is given twice`, entry.span);
    seen.add(key);
    yield { key, entry };
  }
}

/** 'shards': the stream's shard count, 1 to 10,000. */
export function shardsOption(entry: OptionEntry, fail: Fail): number {
  if (typeof entry.value !== 'number' || !Number.isInteger(entry.value) || entry.value < 1 || entry.value > 10_000) {
    fail('InvalidOption', `shards must be a whole number from 1 to 10000, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
  }
  return entry.value;
}

/** 'csv.field-delimiter': one character other than a quote or a line break ('\t' written as two characters is a tab). */
export function csvDelimiterOption(entry: OptionEntry, fail: Fail): string {
  const value = typeof entry.value === 'string' ? entry.value.replace(/^\\t$/, '\t') : '';
  if ([...value].length !== 1 || value === '"' || value === '\n' || value === '\r') {
    fail('InvalidOption', `csv.field-delimiter must be one character other than a quote or a line break, got ${JSON.stringify(entry.value)}`, entry.valueSpan);
  }
  return value;
}
