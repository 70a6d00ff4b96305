// `eddy serve --functions-dir` as a process with event source mappings made by the `eddy` CLI: records put
// with `eddy put-records --aggregate` reach the handler as user records, and after a restart the mapping
// resumes where it stopped.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, exitOf, runEddy, startEddy, NO_STREAM_STATES, waitForOutput } from './run-eddy.js';

let cli: ReturnType<typeof buildCli>;
beforeAll(() => {
  cli = buildCli('cli-functions');
});
afterAll(() => cli.cleanup());

async function serve(dataDir: string, functionsDir: string) {
  const child = startEddy(cli.main, ['serve', '--port', '0', '--data-dir', dataDir, '--functions-dir', functionsDir, '--no-throttle', ...NO_STREAM_STATES]);
  const banner = await waitForOutput(child, /Functions load handler modules from .*\n/);
  return { child, endpoint: /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]! };
}

describe('eddy event source mapping commands', () => {
  it('create a mapping the server runs and resumes after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eddy-fn-data-'));
    const functionsDir = mkdtempSync(join(tmpdir(), 'eddy-fn-'));
    const log = join(functionsDir, 'seen.txt');
    writeFileSync(
      join(functionsDir, 'collect.mjs'),
      "import { appendFileSync } from 'node:fs';\n" +
        "export async function handler(event) {\n" +
        "  for (const r of event.Records) appendFileSync(new URL('./seen.txt', import.meta.url), Buffer.from(r.kinesis.data, 'base64').toString() + '\\n');\n" +
        '  return { batchItemFailures: [] };\n}\n',
    );
    const seen = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    const until = async (n: number): Promise<void> => {
      while (seen().length < n) await new Promise((r) => setTimeout(r, 25));
    };
    let server = await serve(dataDir, functionsDir);
    try {
      const e = ['--endpoint', server.endpoint];
      expect((await runEddy(cli.main, ['create-stream', '--stream-name', 'jobs', '--shard-count', '1', ...e])).code).toBe(0);
      const listed = await runEddy(cli.main, ['list-functions', ...e]);
      expect(JSON.parse(listed.stdout).functions).toEqual([{ name: 'collect', file: 'collect.mjs', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:collect' }]);
      const created = await runEddy(cli.main, ['create-event-source-mapping', '--function-name', 'collect', '--event-source-arn', 'arn:aws:kinesis:us-east-1:000000000000:stream/jobs', '--starting-position', 'TRIM_HORIZON', '--batch-size', '100', '--report-batch-item-failures', ...e]);
      expect(created.code).toBe(0);
      const mapping = JSON.parse(created.stdout) as { UUID: string; FunctionResponseTypes: string[] };
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      const bad = await runEddy(cli.main, ['create-event-source-mapping', '--function-name', '../collect', '--event-source-arn', 'arn:aws:kinesis:us-east-1:000000000000:stream/jobs', '--starting-position', 'LATEST', ...e]);
      expect(bad.code).toBe(254);
      expect(bad.stderr).toContain('An error occurred (ValidationException) when calling the CreateEventSourceMapping operation');

      const first = Array.from({ length: 300 }, (_, i) => `job ${i}`);
      expect((await runEddy(cli.main, ['put-records', '--stream-name', 'jobs', '--aggregate', '--partition-key', 'k', ...e], { input: `${first.join('\n')}\n` })).code).toBe(0);
      await until(300);
      expect(seen()).toEqual(first);

      server.child.kill('SIGTERM');
      expect(await exitOf(server.child)).toBe(0);
      server = await serve(dataDir, functionsDir);
      const again = ['--endpoint', server.endpoint];
      const got = JSON.parse((await runEddy(cli.main, ['get-event-source-mapping', '--uuid', mapping.UUID, ...again])).stdout);
      expect(got).toMatchObject({ UUID: mapping.UUID, State: 'Enabled' });
      expect((await runEddy(cli.main, ['put-records', '--stream-name', 'jobs', '--partition-key', 'k', ...again], { input: 'job after restart\n' })).code).toBe(0);
      await until(301);
      expect(seen()).toEqual([...first, 'job after restart']);
      expect((await runEddy(cli.main, ['delete-event-source-mapping', '--uuid', mapping.UUID, ...again])).code).toBe(0);
      expect(JSON.parse((await runEddy(cli.main, ['list-event-source-mappings', ...again])).stdout)).toEqual({ mappings: [] });
    } finally {
      server.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(functionsDir, { recursive: true, force: true });
    }
    // Two server starts and a dozen CLI processes on a shared 2-core machine.
  }, 120_000);
});
