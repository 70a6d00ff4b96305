// serve: runs the stream store and the Kinesis-compatible server until SIGINT/SIGTERM, then stops
// accepting connections, lets in-flight requests finish and closes the store (fsyncing its files).

import { resolve } from 'node:path';
import type { FsyncPolicy } from '../../engine/index.js';
import { UsageError } from '../cli-options.js';
import { type Command, EXIT } from '../command.js';
import { openFileLimit } from '../open-file-limit.js';
import { guardShutdown } from '../shutdown-guard.js';

/** The transitional states' options, as kinesalite names them. */
const TRANSITIONS = [
  { option: 'create-stream-ms', key: 'createStreamMs', state: 'CREATING', after: 'CreateStream' },
  { option: 'delete-stream-ms', key: 'deleteStreamMs', state: 'DELETING', after: 'DeleteStream' },
  { option: 'update-stream-ms', key: 'updateStreamMs', state: 'UPDATING', after: 'SplitShard, MergeShards, UpdateShardCount and UpdateStreamMode' },
] as const;
/**
 * The server's default for each (DEFAULT_STREAM_TRANSITION_MS), named here for the help without loading
 * the server; a test holds the two equal.
 */
export const SERVE_STREAM_TRANSITION_MS = 500;

/** Connections allowed by default, unless that is more than half the process's open-file limit. */
const DEFAULT_MAX_CONNECTIONS = 10_000;
/** Seconds a clean stop may take before the process exits anyway (Kubernetes gives a pod 30 s before SIGKILL). */
const DEFAULT_SHUTDOWN_TIMEOUT_S = 30;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Runs Eddy: the Kinesis, Firehose and Kinesis Data Analytics APIs, the SQL API (/v1, WebSockets), the web console (/), /healthz and /metrics on one port.',
  details:
    'HTTP/1.1 and cleartext HTTP/2 share the port. Binds to loopback unless --host says otherwise.\n' +
    'With --tls-cert and --tls-key the port serves HTTPS instead, offering h2 and http/1.1 by ALPN (the Java\n' +
    "SDK's SubscribeToShard and the KCL need HTTP/2 over TLS); WebSockets become wss://.\n" +
    'Requests whose headers take over 60 s, or whose whole request takes over 300 s, to arrive get a 408 and\n' +
    'their HTTP/1.1 connection (HTTP/2 stream) is closed (checked every second). At --max-connections open\n' +
    'connections, a new one replaces the one idle longest, or is closed at once when none is idle.\n' +
    'Stops cleanly on Ctrl-C (SIGINT) or SIGTERM: no new connections, in-flight requests finish, files are closed.\n' +
    'With --in-memory, Firehose delivery runs only if --files-root is given: files are written there, while\n' +
    'delivery streams and the records not yet delivered live in memory and are lost on exit.\n' +
    'With credentials (--credentials-file, in the aws CLI\'s format, or EDDY_ACCESS_KEY_ID and\n' +
    'EDDY_SECRET_ACCESS_KEY) every Kinesis and Firehose request must be signed (SigV4) with one of them, and /v1\n' +
    'and WebSockets take a bearer token (eddy_token) or a signature too. Without credentials any signature is\n' +
    'accepted, so Eddy refuses to listen beyond loopback unless --insecure is given.\n' +
    'Requests must name the server (Host: localhost, an IP address, the --host name or --allowed-hosts), and\n' +
    'browser pages may use it only from its own origin or --allowed-origins.',
  options: [
    { name: 'port', type: 'integer', description: 'TCP port (0 picks a free one).', defaultText: '4567' },
    { name: 'host', type: 'string', description: 'Address to bind.', defaultText: '127.0.0.1', placeholder: 'address' },
    { name: 'data-dir', type: 'string', description: 'Where streams are stored.', defaultText: './eddy-data', placeholder: 'path' },
    { name: 'in-memory', type: 'boolean', description: 'Keep streams in memory only (lost on exit).' },
    {
      name: 'store',
      type: 'string',
      description:
        'Keep streams in a NATS JetStream cluster (nats://host:4222[,nats://host2:4222…]) that several eddy serve processes share; the data directory keeps the rest.',
      placeholder: 'url',
    },
    { name: 'replicas', type: 'integer', description: 'With --store: copies of each shard a stream keeps unless it says otherwise.', defaultText: '3 on a cluster, else 1', placeholder: 'n' },
    { name: 'process-name', type: 'string', description: 'With --store: this process\'s name in the cluster (unique among the processes sharing it).', defaultText: 'host:pid', placeholder: 'name' },
    {
      name: 'shutdown-timeout',
      type: 'integer',
      description: 'Seconds a clean stop (SIGINT/SIGTERM) may take before the process exits without finishing it; a second signal exits at once.',
      defaultText: '30',
      placeholder: 'seconds',
    },
    {
      name: 'lease-timeout',
      type: 'integer',
      description: 'With --store: seconds a query goes without its process renewing its lease before another process takes it over (renewed every fifth of it).',
      defaultText: '10',
      placeholder: 'seconds',
    },
    {
      name: 'files-root',
      type: 'string',
      description: 'Where Firehose delivery writes files: bucket arn:aws:s3:::<bucket> is <files-root>/<bucket>/.',
      defaultText: '<data-dir>/files',
      placeholder: 'path',
    },
    {
      name: 'tables-dir',
      type: 'string',
      description: "Where the files of reference tables are (CREATE TABLE … WITH (path = 'x.csv')); paths may not leave it.",
      defaultText: '<data-dir>/tables',
      placeholder: 'path',
    },
    {
      name: 'max-table-rows',
      type: 'integer',
      description: 'Rows one reference table may hold; a file with more is refused when it is loaded or refreshed.',
      defaultText: '1000000',
      placeholder: 'n',
    },
    { name: 'fsync', type: 'string', choices: ['always', 'interval', 'never'], description: 'When writes are fsynced before they are acknowledged.', defaultText: 'always' },
    { name: 'idle-timeout', type: 'integer', description: 'Seconds after which a shard without records stops holding back a query watermark.', defaultText: '30', placeholder: 'seconds' },
    {
      name: 'max-batch-ms',
      type: 'integer',
      description: 'How long a query may spend on one batch of records before it is failed (and stays failed across restarts).',
      defaultText: '5000',
      placeholder: 'ms',
    },
    { name: 'query-threads', type: 'integer', description: 'Worker threads that run continuous queries, leaving the main thread to ingest and the APIs (not with --store).', defaultText: '0: queries share the main thread', placeholder: 'n' },
    { name: 'max-queries', type: 'integer', description: 'Continuous queries that may run at once; more are refused with 429.', defaultText: '1000', placeholder: 'n' },
    {
      name: 'max-query-state-keys',
      type: 'integer',
      description: 'Keys of state (groups, open window groups, distinct values) one query may hold before it fails.',
      defaultText: '1000000',
      placeholder: 'n',
    },
    { name: 'no-throttle', type: 'boolean', description: 'Switch off the per-shard Kinesis throughput limits and on-demand scaling.' },
    { name: 'shard-limit', type: 'integer', description: "Open shards the account may have across its streams (Kinesis's account quota).", defaultText: '500', placeholder: 'n' },
    ...TRANSITIONS.map(({ option, state, after }) => ({
      name: option,
      type: 'integer' as const,
      description: `How long Kinesis clients see a stream ${state} after ${after} (0: never).`,
      defaultText: String(SERVE_STREAM_TRANSITION_MS),
      placeholder: 'ms',
    })),
    {
      name: 'max-connections',
      type: 'integer',
      description: 'Connections open at once; keep it well below the open-file limit (ulimit -n), which stream files share.',
      defaultText: '10000, or half the open-file limit if lower',
      placeholder: 'n',
    },
    { name: 'tls-cert', type: 'string', description: 'PEM certificate (chain) to serve HTTPS with; needs --tls-key.', placeholder: 'file' },
    { name: 'tls-key', type: 'string', description: 'PEM private key of --tls-cert (without a passphrase).', placeholder: 'file' },
    {
      name: 'credentials-file',
      type: 'string',
      description: "Credentials requests must be signed with, in the aws CLI's format; every [profile] is accepted.",
      defaultText: '$EDDY_CREDENTIALS_FILE',
      placeholder: 'file',
    },
    { name: 'insecure', type: 'boolean', description: 'Listen beyond loopback without credentials (anyone who reaches the port may do anything).' },
    { name: 'allowed-hosts', type: 'string', description: 'More names clients may use in Host: comma-separated, .domain for subdomains, * for any.', placeholder: 'names' },
    { name: 'allowed-origins', type: 'string', description: 'Origins (https://host[:port]) whose pages may call the server, comma-separated.', placeholder: 'origins' },
    { name: 'functions-dir', type: 'string', description: 'Directory of handler modules (<name>.mjs, .js, .mts, .ts) that event source mappings run; functions are off without it.', placeholder: 'path' },
    { name: 'function-timeout', type: 'integer', description: 'Seconds one handler invocation may run before its worker is stopped and the batch retried.', defaultText: '60', placeholder: 'seconds' },
    { name: 'function-memory', type: 'integer', description: 'Heap limit of each handler worker thread, MB.', defaultText: '256', placeholder: 'MB' },
    { name: 'function-concurrency', type: 'integer', description: 'Invocations in flight per function (one worker thread each).', defaultText: '4', placeholder: 'n' },
    { name: 'udf-dir', type: 'string', description: 'Directory of user function modules (.js, .mjs; .ts, .mts with typescript installed) that CREATE FUNCTION may name; CREATE FUNCTION is refused without it.', placeholder: 'path' },
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
    const maxBatchMillis = values['max-batch-ms'] as number | undefined;
    if (maxBatchMillis !== undefined && maxBatchMillis < 1) throw new UsageError(`argument --max-batch-ms: ${maxBatchMillis} must be at least 1 ms`);
    const maxQueries = values['max-queries'] as number | undefined;
    if (maxQueries !== undefined && maxQueries < 1) throw new UsageError(`argument --max-queries: ${maxQueries} must be at least 1`);
    const queryThreads = values['query-threads'] as number | undefined;
    if (queryThreads !== undefined && (queryThreads < 0 || queryThreads > 64)) throw new UsageError(`argument --query-threads: ${queryThreads} must be between 0 and 64`);
    const maxStateKeys = values['max-query-state-keys'] as number | undefined;
    if (maxStateKeys !== undefined && maxStateKeys < 1) throw new UsageError(`argument --max-query-state-keys: ${maxStateKeys} must be at least 1`);
    const maxTableRows = values['max-table-rows'] as number | undefined;
    if (maxTableRows !== undefined && maxTableRows < 1) throw new UsageError(`argument --max-table-rows: ${maxTableRows} must be at least 1`);
    const fsync = ((values.fsync as string | undefined) ?? 'always') as FsyncPolicy;
    const storeUrl = values.store as string | undefined;
    if (storeUrl !== undefined && !/^(nats|tls):\/\//.test(storeUrl)) throw new UsageError(`argument --store: ${storeUrl} is not a nats:// URL`);
    const replicas = values.replicas as number | undefined;
    if (replicas !== undefined && (replicas < 1 || replicas > 5)) throw new UsageError(`argument --replicas: ${replicas} must be between 1 and 5`);
    if (replicas !== undefined && storeUrl === undefined) throw new UsageError('--replicas needs --store');
    const processName = values['process-name'] as string | undefined;
    if (processName !== undefined && storeUrl === undefined) throw new UsageError('--process-name needs --store');
    if (processName !== undefined && !/^[\x21-\x7e]{1,128}$/.test(processName)) throw new UsageError(`argument --process-name: '${processName}' must be 1 to 128 printable characters without spaces`);
    const leaseTimeout = values['lease-timeout'] as number | undefined;
    const shutdownTimeout = (values['shutdown-timeout'] as number | undefined) ?? DEFAULT_SHUTDOWN_TIMEOUT_S;
    if (shutdownTimeout < 1 || shutdownTimeout > 3600) throw new UsageError(`argument --shutdown-timeout: ${shutdownTimeout} must be between 1 and 3600`);
    if (leaseTimeout !== undefined && storeUrl === undefined) throw new UsageError('--lease-timeout needs --store');
    if (queryThreads !== undefined && queryThreads > 0 && storeUrl !== undefined) {
      throw new UsageError('--query-threads cannot be used with --store: on a cluster each query runs on the process that holds its lease, on its main thread');
    }
    if (leaseTimeout !== undefined && (leaseTimeout < 1 || leaseTimeout > 3600)) throw new UsageError(`argument --lease-timeout: ${leaseTimeout} must be between 1 and 3600`);
    const shardLimit = values['shard-limit'] as number | undefined;
    if (shardLimit !== undefined && shardLimit < 1) throw new UsageError(`argument --shard-limit: ${shardLimit} must be at least 1`);
    const streamTransitions: Record<string, number> = {};
    for (const { option, key } of TRANSITIONS) {
      const ms = values[option] as number | undefined;
      if (ms === undefined) continue;
      if (ms < 0) throw new UsageError(`argument --${option}: ${ms} must be 0 or more`);
      streamTransitions[key] = ms;
    }
    const fileLimit = openFileLimit();
    let maxConnections = values['max-connections'] as number | undefined;
    if (maxConnections !== undefined && maxConnections < 1) throw new UsageError(`argument --max-connections: ${maxConnections} must be at least 1`);
    if (maxConnections === undefined) maxConnections = fileLimit === undefined ? DEFAULT_MAX_CONNECTIONS : Math.min(DEFAULT_MAX_CONNECTIONS, Math.floor(fileLimit / 2));
    else if (fileLimit !== undefined && maxConnections > fileLimit / 2) {
      io.stderr.write(`Warning: --max-connections ${maxConnections} leaves ${Math.max(0, fileLimit - maxConnections)} of the process's ${fileLimit} file descriptors (ulimit -n) for stream files.\n`);
    }
    const dataDir = inMemory ? undefined : resolve((values['data-dir'] as string | undefined) ?? './eddy-data');
    const filesRoot = values['files-root'] !== undefined ? resolve(values['files-root'] as string) : undefined;
    const tablesDir = values['tables-dir'] !== undefined ? resolve(values['tables-dir'] as string) : undefined;
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
    const udfDir = values['udf-dir'] !== undefined ? resolve(values['udf-dir'] as string) : undefined;
    if (udfDir !== undefined) {
      const { statSync } = await import('node:fs');
      let isDir = false;
      try {
        isDir = statSync(udfDir).isDirectory();
      } catch {
        isDir = false;
      }
      if (!isDir) throw new UsageError(`argument --udf-dir: ${udfDir} is not a directory`);
    }
    const tlsCert = values['tls-cert'] as string | undefined;
    const tlsKey = values['tls-key'] as string | undefined;
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError(tlsCert === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key');
    // Read before the engine opens, so a bad file stops start-up with a message naming it and nothing to undo.
    const credentialsFile = (values['credentials-file'] as string | undefined) ?? (io.env.EDDY_CREDENTIALS_FILE || undefined);
    const { credentialsFromEnv, loadCredentialsFile } = await import('../../server/auth/credentials.js');
    const { listenRefusal } = await import('../../server/auth/access-control.js');
    const { isLoopbackHost } = await import('../../server/auth/host-policy.js');
    const fromEnv = credentialsFromEnv(io.env);
    const credentials = [...(credentialsFile !== undefined ? loadCredentialsFile(resolve(credentialsFile)) : []), ...fromEnv];
    const insecure = values.insecure === true;
    const refusal = listenRefusal(host, { credentials, insecure });
    if (refusal !== undefined) throw new UsageError(refusal);
    const list = (name: string): string[] | undefined =>
      values[name] === undefined ? undefined : (values[name] as string).split(',').map((v) => v.trim()).filter((v) => v !== '');
    const allowedHosts = list('allowed-hosts');
    const allowedOrigins = list('allowed-origins');
    const tls = tlsCert !== undefined && tlsKey !== undefined ? (await import('../../server/tls-options.js')).loadTlsCredentials({ certFile: resolve(tlsCert), keyFile: resolve(tlsKey) }) : undefined;
    // Loaded here so the other commands start without the server and engine.
    const [{ createEngine, parseNatsServers }, { buildEddyApp }] = await Promise.all([import('../../engine/index.js'), import('../../server/eddy-app.js')]);
    let nats: { servers: string[]; replicas?: number } | undefined;
    try {
      nats = storeUrl === undefined ? undefined : { servers: parseNatsServers(storeUrl), ...(replicas !== undefined ? { replicas } : {}) };
    } catch (e) {
      throw new UsageError(`argument --store: ${(e as Error).message}`);
    }
    const engine = await createEngine({
      ...(dataDir !== undefined ? { dataDir, fsync } : {}),
      ...(nats !== undefined ? { nats } : {}),
      cluster: {
        ...(processName !== undefined ? { process: processName } : {}),
        ...(leaseTimeout !== undefined ? { leaseTimeoutMs: leaseTimeout * 1000, leaseRenewMs: leaseTimeout * 200 } : {}),
      },
      ...(filesRoot !== undefined ? { filesRoot } : {}),
      ...(udfDir !== undefined ? { udfDir } : {}),
      ...(values['no-throttle'] === true ? { shardLimits: false as const } : {}),
      ...(shardLimit !== undefined ? { shardLimit } : {}),
      queries: {
        ...(idleTimeoutSeconds !== undefined ? { idleTimeoutMs: idleTimeoutSeconds * 1000 } : {}),
        ...(maxBatchMillis !== undefined ? { maxBatchMillis } : {}),
        ...(maxQueries !== undefined ? { maxQueries } : {}),
        ...(queryThreads !== undefined && queryThreads > 0 ? { threads: queryThreads } : {}),
        ...(maxStateKeys !== undefined ? { maxStateKeys } : {}),
      },
      tables: {
        ...(tablesDir !== undefined ? { dir: tablesDir } : {}),
        ...(maxTableRows !== undefined ? { maxRows: maxTableRows } : {}),
      },
      functions: {
        ...(functionsDir !== undefined ? { functionsDir } : {}),
        ...(functionTimeout !== undefined ? { timeoutMs: functionTimeout * 1000 } : {}),
        ...(functionMemory !== undefined ? { memoryMb: functionMemory } : {}),
        ...(functionConcurrency !== undefined ? { concurrency: functionConcurrency } : {}),
      },
    });
    const delivery = engine.delivery;
    let app: ReturnType<typeof buildEddyApp>;
    try {
      app = buildEddyApp({
        engine,
        logger: { level: (values['log-level'] as string | undefined) ?? 'warn', stream: process.stderr },
        ...(tls ? { tls } : {}),
        streamTransitions,
        maxConnections,
        auth: {
          credentials,
          insecure,
          ...(allowedHosts ? { allowedHosts } : {}),
          ...(allowedOrigins ? { allowedOrigins } : {}),
        },
      });
      await app.listen({ port, host });
    } catch (err) {
      await engine.close();
      throw err;
    }
    const address = app.server.address();
    const actualPort = typeof address === 'object' && address !== null ? address.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    const storage =
      nats !== undefined
        ? `Streams are stored in the NATS JetStream cluster at ${nats.servers.join(',')}.`
        : dataDir !== undefined
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
    const functionsLine =
      (functionsDir !== undefined ? `Functions load handler modules from ${functionsDir}.` : 'Functions are off: they need --functions-dir.') +
      (udfDir !== undefined ? `\nCREATE FUNCTION loads user functions from ${udfDir}.` : '') +
      (queryThreads !== undefined && queryThreads > 0 ? `\nContinuous queries run on ${queryThreads} worker thread${queryThreads === 1 ? '' : 's'}.` : '');
    const sources = [...(credentialsFile !== undefined ? [resolve(credentialsFile)] : []), ...(fromEnv.length > 0 ? ['EDDY_ACCESS_KEY_ID'] : [])];
    const tokens = credentials.filter((c) => c.bearerToken !== undefined).length;
    const authentication =
      credentials.length > 0
        ? `Requests must be signed with one of ${credentials.length} credential${credentials.length === 1 ? '' : 's'} from ${sources.join(' and ')}` +
          `${tokens > 0 ? `; /v1 and WebSockets also take ${tokens} bearer token${tokens === 1 ? '' : 's'}` : ''}.\n`
        : '';
    io.stdout.write(
      `Eddy is listening on ${scheme}://${shownHost}:${actualPort}\n` +
        `Web console: ${scheme}://${shownHost}:${actualPort}/ (open it in a browser)\n${transport}${authentication}${storage}\n${files}\n${functionsLine}\n`,
    );
    if (credentials.length === 0) {
      io.stderr.write(
        insecure && !isLoopbackHost(host)
          ? `Warning: no credentials are configured and Eddy listens on ${host} (--insecure): anyone who can reach port ${actualPort} can read, write and delete every stream and run any SQL.\n`
          : 'Warning: no credentials are configured, so requests are not authenticated: any signature is accepted and /v1 and WebSockets need no token. ' +
              'Only this machine can connect. Use --credentials-file or EDDY_ACCESS_KEY_ID/EDDY_SECRET_ACCESS_KEY to require credentials.\n',
      );
    }
    await stopRequested;
    io.stdout.write('Shutting down…\n');
    const guard = guardShutdown({ timeoutMs: shutdownTimeout * 1000, report: (m) => io.stderr.write(m), exit: (code) => process.exit(code) });
    try {
      await app.close();
      await engine.close();
    } finally {
      guard.cancel();
    }
    io.stdout.write('Stopped.\n');
    return EXIT.ok;
  },
};
