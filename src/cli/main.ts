// The `eddy` command line: `eddy serve`, aws-CLI-like Kinesis commands, `eddy sql` and `eddy repair`
// (bin/eddy.js runs main()).
//
// The stream commands use @aws-sdk/client-kinesis rather than hand-made HTTP: requests are signed and
// retried exactly as other Kinesis clients do it, errors arrive typed, and the same commands work against
// any Kinesis endpoint.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { commandHelp, parseCommandOptions, UsageError } from './cli-options.js';
import { type CliIo, type Command, EXIT } from './command.js';
import { functionCommands } from './commands/function-commands.js';
import { KINESIS_ANALYTICS, kinesisAnalyticsCommands } from './commands/kinesis-analytics-commands.js';
import { putRecordsCommand } from './commands/put-records-command.js';
import { repairCommand } from './commands/repair-command.js';
import { serveCommand } from './commands/serve-command.js';
import { streamCommands } from './commands/stream-commands.js';
import { tailCommand } from './commands/tail-command.js';
import { sqlArguments, sqlCommand } from './sql-command.js';

const VERSION = '0.1.0';

export const commands: readonly Command[] = [serveCommand, ...streamCommands, putRecordsCommand, tailCommand, sqlCommand, repairCommand, ...functionCommands, ...kinesisAnalyticsCommands];

function overview(): string {
  // The Kinesis Data Analytics commands are listed as one line: `eddy kinesisanalytics help` lists them.
  const listed: { name: string; summary: string }[] = [
    ...commands.filter((c) => !c.name.includes(' ')),
    { name: `${KINESIS_ANALYTICS} <operation>`, summary: 'Kinesis Data Analytics SQL applications, as aws kinesisanalytics (see eddy kinesisanalytics help).' },
  ];
  const width = Math.max(...listed.map((c) => c.name.length)) + 4;
  return [
    'Usage: eddy <command> [options]',
    '',
    'Eddy: Kinesis-compatible streams, continuous SQL and delivery to files, in one process.',
    '',
    'Commands:',
    ...listed.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'eddy <command> --help' for a command's options.",
    '',
  ].join('\n');
}

const operationName = (command: string): string =>
  command
    .split(' ')
    .at(-1)!
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** Reports a failure the way the aws CLI words it, and picks its exit code. */
function report(command: Command, err: unknown, io: CliIo): number {
  const e = err as Error & { $metadata?: unknown; code?: string; cause?: { code?: string } };
  if (err instanceof UsageError) {
    io.stderr.write(`eddy ${command.name}: error: ${e.message}\nRun 'eddy ${command.name} --help' for usage.\n`);
    return EXIT.usage;
  }
  if (e && e.$metadata !== undefined && e.name !== 'Error' && typeof e.name === 'string' && !/^(TypeError|RangeError)$/.test(e.name)) {
    io.stderr.write(`An error occurred (${e.name}) when calling the ${operationName(command.name)} operation: ${e.message}\n`);
    return EXIT.serviceError;
  }
  const code = e?.code ?? e?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || /ECONNREFUSED|ENOTFOUND/.test(e?.message ?? '')) {
    io.stderr.write(`Could not connect to the endpoint URL: ${e.message}\nIs the server running? Start it with 'eddy serve'.\n`);
    return EXIT.failure;
  }
  io.stderr.write(`eddy ${command.name}: ${e?.message ?? String(err)}\n`);
  return EXIT.failure;
}

/**
 * The AWS SDK warns on every run under Node 20 that its releases after early 2027 need Node 22; the
 * SDK version is pinned, so the warning says nothing to someone using Eddy. This is the SDK's own
 * documented switch (aws/aws-sdk-js-v3#7983), read when a client is created; a value the user set wins.
 */
const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }): Promise<number> {
  process.env[SDK_NODE_WARNING_SWITCH] ??= 'true';
  const [first, ...others] = argv;
  // `eddy kinesisanalytics <operation> …`, as `aws kinesisanalytics <operation> …`.
  const grouped = first === KINESIS_ANALYTICS && others[0] !== undefined && others[0] !== 'help';
  const name = grouped ? `${first} ${others[0]}` : first;
  const rest = grouped ? others.slice(1) : others;
  if (first === KINESIS_ANALYTICS && !grouped) {
    const group = commands.filter((c) => c.name.startsWith(`${KINESIS_ANALYTICS} `));
    const width = Math.max(...group.map((c) => c.name.length)) + 4;
    io.stdout.write(['Usage: eddy kinesisanalytics <operation> [options]', '', ...group.map((c) => `  ${c.name.padEnd(width)}${c.summary}`), ''].join('\n'));
    return others[0] === 'help' ? EXIT.ok : EXIT.usage;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`eddy ${VERSION}\n`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`eddy: unknown command '${name}'\n\n${overview()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  try {
    // `eddy sql "<statements>"` takes its SQL as a bare argument.
    const args = command === sqlCommand ? sqlArguments(rest) : rest;
    return await command.run(parseCommandOptions(command, args), io);
  } catch (err) {
    return report(command, err, io);
  }
}

// Also runnable directly: `node dist/cli/main.js <command> …`.
const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(realpathSync(invokedPath)).href) {
  process.exitCode = await main(process.argv.slice(2));
}
