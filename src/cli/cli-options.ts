// Command-line parsing for `eddy` subcommands (node:util parseArgs underneath) and their --help text.

import { parseArgs } from 'node:util';
import type { Command, OptionSpec, OptionValues } from './command.js';

export class UsageError extends Error {}

export function parseCommandOptions(command: Command, argv: readonly string[]): OptionValues {
  const spec: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const o of command.options) {
    spec[o.name] = { type: o.type === 'boolean' ? 'boolean' : 'string' };
    // aws-style negations (--no-throttle) are separate boolean options in the spec.
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, '.'));
  }
  const out: Record<string, string | number | boolean | undefined> = {};
  const missing: string[] = [];
  for (const o of command.options) {
    const raw = parsed.values[o.name];
    if (raw === undefined) {
      if (o.required) missing.push(`--${o.name}`);
      continue;
    }
    out[o.name] = convert(o, raw as string | boolean);
  }
  if (missing.length > 0) throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);
  return out;
}

function convert(o: OptionSpec, raw: string | boolean): string | number | boolean {
  if (o.type === 'boolean') return raw === true;
  const text = String(raw);
  if (o.choices && !o.choices.includes(text)) {
    throw new UsageError(`argument --${o.name}: invalid choice: '${text}' (choose from ${o.choices.map((c) => `'${c}'`).join(', ')})`);
  }
  if (o.type === 'integer') {
    if (!/^-?\d+$/.test(text)) throw new UsageError(`argument --${o.name}: expected an integer, got '${text}'`);
    return Number(text);
  }
  return text;
}

export function commandHelp(command: Command, program = 'eddy'): string {
  const lines = [`Usage: ${program} ${command.name} [options]`, '', command.summary, '', 'Options:'];
  const labels = command.options.map((o) => {
    const value = o.type === 'boolean' ? '' : ` <${o.placeholder ?? (o.choices ? o.choices.join('|') : o.type === 'integer' ? 'n' : 'value')}>`;
    return `  --${o.name}${value}`;
  });
  const width = Math.max(...labels.map((l) => l.length), 10) + 2;
  command.options.forEach((o, i) => {
    const notes = [o.required ? 'required' : undefined, o.defaultText !== undefined ? `default: ${o.defaultText}` : undefined].filter(Boolean);
    lines.push(`${labels[i]!.padEnd(width)}${o.description}${notes.length ? ` (${notes.join(', ')})` : ''}`);
  });
  lines.push(`${'  --help'.padEnd(width)}Show this help.`);
  if (command.details) lines.push('', command.details);
  return `${lines.join('\n')}\n`;
}
