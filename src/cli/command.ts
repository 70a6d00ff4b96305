// The shape of an `eddy` subcommand: its options (which also drive parsing and --help) and what it does.

import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: NodeJS.ProcessEnv;
}

export type OptionType = 'string' | 'integer' | 'boolean';

export interface OptionSpec {
  /** Kebab-case name without the dashes: `stream-name`. */
  readonly name: string;
  readonly type: OptionType;
  readonly description: string;
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** Shown in --help; applied by the command itself. */
  readonly defaultText?: string;
  /** The value's placeholder in --help. */
  readonly placeholder?: string;
}

export type OptionValues = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Extra text under the option list in --help. */
  readonly details?: string;
  readonly options: readonly OptionSpec[];
  run(values: OptionValues, io: CliIo): Promise<number>;
}

/** Exit codes, as the aws CLI uses them, so scripts written for it read Eddy's the same way. */
export const EXIT = {
  ok: 0,
  /** Bad command line. */
  usage: 252,
  /** The service answered with an error. */
  serviceError: 254,
  /** Anything else (cannot connect, local I/O). */
  failure: 255,
} as const;
