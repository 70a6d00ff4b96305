// The INI dialect of the AWS CLI's credentials and config files: `[name]` (or `[profile name]`) sections
// of `key = value` lines, `#` and `;` comment lines, and indented lines that continue the value above.
// Eddy's server reads its credentials file with it, and `eddy sql` reads ~/.aws/credentials.

import { EddyError } from '../../engine/index.js';

export interface IniValue {
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  /** Keys lowercased, as the AWS CLI treats them. */
  readonly values: ReadonlyMap<string, IniValue>;
}

/** Parses the whole text; a line that fits none of the forms is an InvalidArgumentException naming it. */
export function parseIni(text: string, source: string): IniSection[] {
  const sections: IniSection[] = [];
  const seen = new Set<string>();
  let current: { name: string; line: number; values: Map<string, IniValue> } | undefined;
  let lastKey: string | undefined;
  const fail = (line: number, message: string): never => {
    throw new EddyError('InvalidArgumentException', `${source} line ${line}: ${message}`);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (/^\s/.test(raw) && current && lastKey !== undefined) {
      const previous = current.values.get(lastKey)!;
      current.values.set(lastKey, { value: previous.value === '' ? trimmed : `${previous.value}\n${trimmed}`, line: previous.line });
      return;
    }
    const header = /^\[\s*(?:profile\s+)?([^\]]*?)\s*\]$/.exec(trimmed);
    if (header) {
      const name = header[1]!;
      if (name === '') fail(line, 'a section needs a name: [name]');
      if (seen.has(name)) fail(line, `section [${name}] appears twice`);
      seen.add(name);
      current = { name, line, values: new Map() };
      sections.push(current);
      lastKey = undefined;
      return;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0) fail(line, `expected "key = value" or "[section]", got '${trimmed}'`);
    if (!current) fail(line, `'${trimmed.slice(0, eq).trim()}' is outside any [section]`);
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    if (current!.values.has(key)) fail(line, `'${key}' appears twice in [${current!.name}]`);
    current!.values.set(key, { value: trimmed.slice(eq + 1).trim(), line });
    lastKey = key;
  });
  return sections;
}
