// serve: runs the stream store and the Kinesis-compatible server until SIGINT/SIGTERM, then stops
// accepting connections, lets in-flight requests finish and closes the store (fsyncing its files).

import { resolve } from 'node:path';
import type { FsyncPolicy } from '../../engine/index.js';
import { UsageError } from '../cli-options.js';
import { type Command, EXIT } from '../command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Runs Eddy: the Kinesis and Firehose APIs, the SQL API (/v1, WebSockets), /healthz and /metrics on one port.',
  details:
    'HTTP/1.1 and cleartext HTTP/2 share the port. Binds to loopback unless --host says otherwise.\n' +
    'With --tls-cert and --tls-key the port serves HTTPS instead, offering h2 and http/1.1 by ALPN (the Java\n' +
    "SDK's SubscribeToShard and the KCL need HTTP/2 over TLS); WebSockets become wss://.\n" +
    'HTTP/1.1 requests whose headers take over 60 s, or whose whole request takes over 300 s, to arrive get a\n' +
    '408 and their connection is closed (checked every second).\n' +
    'Stops cleanly on Ctrl-C (SIGINT) or SIGTERM: no new connections, in-flight requests finish, files are closed.\n' +
    'With --in-memory, Firehose delivery runs only if --files-root is given: files are written there, while\n' +
    'delivery streams and the records not yet delivered live in memory and are lost on exit.',
  options: [
    { name: 'port', type: 'integer', description: 'TCP port (0 picks a free one).', defaultText: '4567' },
    { name: 'host', type: 'string', description: 'Address to bind.', defaultText: '127.0.0.1', placeholder: 'address' },
    { name: 'data-dir', type: 'string', description: 'Where streams are stored.', defaultText: './eddy-data', placeholder: 'path' },
    { name: 'in-memory', type: 'boolean', description: 'Keep streams in memory only (lost on exit).' },
    {
      name: 'files-root',
      type: 'string',
      description: 'Where Firehose delivery writes files: bucket arn:aws:s3:::<bucket> is <files-root>/<bucket>/.',
      defaultText: '<data-dir>/files',
      placeholder: 'path',
    },
    { name: 'fsync', type: 'string', choices: ['always', 'interval', 'never'], description: 'When writes are fsynced before they are acknowledged.', defaultText: 'always' },
    { name: 'idle-timeout', type: 'integer', description: 'Seconds after which a shard without records stops holding back a query watermark.', defaultText: '30', placeholder: 'seconds' },
    { name: 'no-throttle', type: 'boolean', description: 'Switch off the per-shard Kinesis throughput limits and on-demand scaling.' },
    { name: 'tls-cert', type: 'string', description: 'PEM certificate (chain) to serve HTTPS with; needs --tls-key.', placeholder: 'file' },
    { name: 'tls-key', type: 'string', description: 'PEM private key of --tls-cert (without a passphrase).', placeholder: 'file' },
    { name: 'functions-dir', type: 'string', description: 'Directory of handler modules (<name>.mjs, .js, .mts, .ts) that event source mappings run; functions are off without it.', placeholder: 'path' },
    { name: 'function-timeout', type: 'integer', description: 'Seconds one handler invocation may run before its worker is stopped and the batch retried.', defaultText: '60', placeholder: 'seconds' },
    { name: 'function-memory', type: 'integer', description: 'Heap limit of each handler worker thread, MB.', defaultText: '256', placeholder: 'MB' },
    { name: 'function-concurrency', type: 'integer', description: 'Invocations in flight per function (one worker thread each).', defaultText: '4', placeholder: 'n' },
    { name: 'log-level', type: 'string', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], description: 'Log level (JSON lines on stderr).', defaultText: 'warn' },
  ],
  async run(values, io) {
    const port = (values.port as number | undefined) ?? 4567;
    if (port < 0 || port > 65535) throw new UsageError(`argument --port: ${port} is not a TCP port`);
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    const inMemory = values['in-memory'] === true;
    if (inMemory && values['data-dir'] !== undefined) throw new UsageError('--in-memory and --data-dir cannot be used together');
    const idleTimeoutSeconds = values['idle-timeout'] as number | undefined;
    if (idleTimeoutSeconds !== undefined && idleTimeoutSeconds < 1) throw new UsageError(`argument --idle-timeout: ${idleTimeoutSeconds} must be at least 1 second`);
    const fsync = ((values.fsync as string | undefined) ?? 'always') as FsyncPolicy;
    const dataDir = inMemory ? undefined : resolve((values['data-dir'] as string | undefined) ?? './eddy-data');
    const filesRoot = values['files-root'] !== undefined ? resolve(values['files-root'] as string) : undefined;
    const functionsDir = values['functions-dir'] !== undefined ? resolve(values['functions-dir'] as string) : undefined;
    const functionTimeout = values['function-timeout'] as number | undefined;
    const functionMemory = values['function-memory'] as number | undefined;
    const functionConcurrency = values['function-concurrency'] as number | undefined;
    if (functionTimeout !== undefined && (functionTimeout < 1 || functionTimeout > 900)) throw new UsageError(`argument --function-timeout: ${functionTimeout} must be between 1 and 900 seconds`);
    if (functionMemory !== undefined && (functionMemory < 32 || functionMemory > 10_240)) throw new UsageError(`argument --function-memory: ${functionMemory} must be between 32 and 10240 MB`);
    if (functionConcurrency !== undefined && (functionConcurrency < 1 || functionConcurrency > 64)) throw new UsageError(`argument --function-concurrency: ${functionConcurrency} must be between 1 and 64`);
    if (functionsDir !== undefined) {
      const { statSync } = await import('node:fs');
      let isDir = false;
      try {
        isDir = statSync(functionsDir).isDirectory();
      } catch {
        isDir = false;
      }
      if (!isDir) throw new UsageError(`argument --functions-dir: ${functionsDir} is not a directory`);
    }
    const tlsCert = values['tls-cert'] as string | undefined;
    const tlsKey = values['tls-key'] as string | undefined;
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError(tlsCert === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key');
    // Read before the engine opens, so a bad file stops start-up with a message naming it and nothing to undo.
    const tls = tlsCert !== undefined && tlsKey !== undefined ? (await import('../../server/tls-options.js')).loadTlsCredentials({ certFile: resolve(tlsCert), keyFile: resolve(tlsKey) }) : undefined;
    // Loaded here so the other commands start without the server and engine.
    const [{ createEngine }, { buildServer }, { sqlApi }, { firehoseService }, { renderDeliveryMetrics }, { renderQueryMetrics }, { lambdaApi }, { functionRoutes }, { consumerGroupRoutes }, { renderFunctionMetrics }] = await Promise.all([
      import('../../engine/index.js'),
      import('../../server/app.js'),
      import('../../server/http/sql-api.js'),
      import('../../server/firehose-api/firehose-service.js'),
      import('../../server/firehose-api/delivery-metrics-text.js'),
      import('../../server/http/query-metrics-text.js'),
      import('../../server/lambda-api/lambda-api.js'),
      import('../../server/http/function-routes.js'),
      import('../../server/http/consumer-group-routes.js'),
      import('../../server/lambda-api/function-metrics-text.js'),
    ]);
    const engine = await createEngine({
      ...(dataDir !== undefined ? { dataDir, fsync } : {}),
      ...(filesRoot !== undefined ? { filesRoot } : {}),
      ...(values['no-throttle'] === true ? { shardLimits: false as const } : {}),
      ...(idleTimeoutSeconds !== undefined ? { queries: { idleTimeoutMs: idleTimeoutSeconds * 1000 } } : {}),
      functions: {
        ...(functionsDir !== undefined ? { functionsDir } : {}),
        ...(functionTimeout !== undefined ? { timeoutMs: functionTimeout * 1000 } : {}),
        ...(functionMemory !== undefined ? { memoryMb: functionMemory } : {}),
        ...(functionConcurrency !== undefined ? { concurrency: functionConcurrency } : {}),
      },
    });
    const delivery = engine.delivery;
    const app = buildServer({
      store: engine.store,
      clock: engine.clock,
      logger: { level: (values['log-level'] as string | undefined) ?? 'warn', stream: process.stderr },
      services: delivery ? [firehoseService({ delivery })] : [],
      plugins: [
        sqlApi({ engine }),
        lambdaApi({ functions: engine.functions }),
        async (app) => {
          await app.register(functionRoutes({ functions: engine.functions }), { prefix: '/v1' });
          await app.register(consumerGroupRoutes({ leases: engine.leases, store: engine.store }), { prefix: '/v1' });
        },
      ],
      metrics: [
        () => renderQueryMetrics(engine.queries.listQueries()),
        () => renderFunctionMetrics(engine.functions.list()),
        ...(delivery ? [() => renderDeliveryMetrics(delivery.metrics())] : []),
      ],
      ...(tls ? { tls } : {}),
    });
    try {
      await app.listen({ port, host });
    } catch (err) {
      await engine.close();
      throw err;
    }
    const address = app.server.address();
    const actualPort = typeof address === 'object' && address !== null ? address.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    const storage =
      dataDir !== undefined
        ? `Streams are stored in ${dataDir} (fsync ${fsync}).`
        : 'Streams are kept in memory only (lost on exit).';
    const files = delivery
      ? `Firehose delivers files under ${delivery.root}.`
      : 'Firehose delivery is off: it needs --files-root (or --data-dir) to write files to.';
    // Signal handlers go in before the banner: whoever reads the banner may signal at once, and a signal
    // that arrives before a handler exists kills the process without a clean shutdown.
    const stopRequested = new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    const scheme = tls ? 'https' : 'http';
    const transport = tls ? `TLS with certificate ${resolve(tlsCert!)}: HTTP/2 and HTTP/1.1 by ALPN.\n` : '';
    const functionsLine = functionsDir !== undefined ? `Functions load handler modules from ${functionsDir}.` : 'Functions are off: they need --functions-dir.';
    io.stdout.write(`Eddy is listening on ${scheme}://${shownHost}:${actualPort}\n${transport}${storage}\n${files}\n${functionsLine}\n`);
    await stopRequested;
    io.stdout.write('Shutting down…\n');
    await app.close();
    await engine.close();
    io.stdout.write('Stopped.\n');
    return EXIT.ok;
  },
};
