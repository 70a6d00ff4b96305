#!/usr/bin/env node
// A NATS JetStream cluster on loopback ports, for trying Eddy on several processes, for the tests that
// need one and for the benchmarks. Each node is a real `nats-server` (Debian's package, 2.9 or later)
// with its own store directory; nodes can be killed and started again to test failures.
//
//   node scripts/nats-cluster.mjs [nodes] [dir]     starts a cluster, prints its URLs, stops on Ctrl-C
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const INSTALL_HINT =
  'nats-server is not installed: on Debian or Ubuntu run `apt-get install nats-server` ' +
  '(or put a nats-server 2.9+ binary on PATH, or set NATS_SERVER to its path)';

/** The nats-server binary to run, or an Error saying how to install it. */
export function natsServerBinary() {
  const candidates = [process.env.NATS_SERVER, 'nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server'].filter(Boolean);
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error(INSTALL_HINT);
}

/** The version nats-server reports (`nats-server: v2.9.10`). */
export function natsServerVersion() {
  return spawnSync(natsServerBinary(), ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** True when a nats-server can be run here (benchmarks skip their NATS part otherwise). */
export function natsServerAvailable() {
  try {
    natsServerBinary();
    return true;
  } catch {
    return false;
  }
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** How long a cluster may take to elect its metadata leader, have every node join under it and place a stream on all of them. */
const JOIN_DEADLINE_MS = 20_000;
/** Clusters started afresh (new ports, new store) when one does not form in time. */
const START_ATTEMPTS = 3;
/** Lines of each node's log kept to explain a cluster that did not form or a node that died. */
const LOG_LINES_KEPT = 40;
/** The longest the probe waits for a node to log a metadata leader before asking anyway. */
const LEADER_LOG_WAIT_MS = 3_000;

/**
 * Starts `size` nodes (3 by default) and resolves once every node is ready and a stream of `size` copies
 * has been created (and deleted): every node has then joined the cluster's JetStream metadata group under
 * an elected leader, and streams of up to `size` copies can be created at once.
 * A cluster that has not formed within JOIN_DEADLINE_MS is stopped and started afresh on new ports, up to
 * START_ATTEMPTS times: on a loaded machine a node can miss its election, or a port picked free can be
 * taken by another process before nats-server binds it, and a test waiting on such a cluster would
 * otherwise only time out. The error after the last attempt carries each node's last log lines.
 * `startDelaysMs[i]` holds node i back for that long (to test a node that starts late).
 * @param {{ size?: number, dir?: string, maxFileStore?: string, log?: (line: string) => void, joinDeadlineMs?: number, startDelaysMs?: number[] }} [options]
 */
export async function startNatsCluster(options = {}) {
  const failures = [];
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startClusterOnce(options, attempt);
    } catch (e) {
      failures.push(`attempt ${attempt}: ${e.message}`);
      if (options.dir !== undefined) break; // a caller's store directory is not started afresh
    }
  }
  throw new Error(`the NATS cluster did not form:\n${failures.join('\n')}`);
}

async function startClusterOnce(options, attempt) {
  const binary = natsServerBinary();
  const size = options.size ?? 3;
  const ownDir = options.dir === undefined;
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), `eddy-nats-${attempt}-`)));
  const clientPorts = [];
  const routePorts = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const nodes = clientPorts.map((port, i) => {
    const nodeDir = join(dir, `n${i + 1}`);
    mkdirSync(join(nodeDir, 'jetstream'), { recursive: true });
    const routes = routePorts.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p}`);
    const config = [
      `server_name: n${i + 1}`,
      `listen: 127.0.0.1:${port}`,
      // A Kinesis record may carry 1 MiB of data besides its key: the default 1 MB payload is too small.
      'max_payload: 8MB',
      'jetstream {',
      `  store_dir: "${join(nodeDir, 'jetstream')}"`,
      '  max_memory_store: 256MB',
      `  max_file_store: ${options.maxFileStore ?? '4GB'}`,

      '}',
      // One node runs on its own: nats-server refuses a JetStream cluster block without routes.
      ...(size === 1 ? [] : ['cluster {', '  name: eddy', `  listen: 127.0.0.1:${routePorts[i]}`, `  routes: [${routes.join(', ')}]`, '}']),
      '',
    ].join('\n');
    const configFile = join(nodeDir, 'nats.conf');
    writeFileSync(configFile, config);
    return { name: `n${i + 1}`, url: `nats://127.0.0.1:${port}`, port, configFile, process: undefined, pid: undefined, exited: undefined, recentLog: [] };
  });

  // Every node must have joined JetStream's metadata group before the cluster is handed out: a stream of
  // three copies is placed only on nodes the leader knows of, and a node whose routes came up late would
  // otherwise leave no room for one for a while. What proves it is such a stream placed (below), not the
  // nodes' logs: nats-server 2.9 logs the leader it follows only when it saw the election, so a node that
  // starts a fraction of a second after the other two have elected one (a loaded machine) joins under it
  // and never says so. The nodes that did name a leader are kept to explain a cluster that did not form.
  const namedLeader = new Set();
  // The probe starts once some node has logged a metadata leader (the one elected always logs that it
  // is): a create sent before any leader exists goes unanswered, and retrying one still being processed
  // is not answered either, which made every cluster take seconds to hand out. A single node has no
  // election; a log line missed for any reason holds the probe back for LEADER_LOG_WAIT_MS at most.
  let leaderLogged;
  const someLeaderLogged = new Promise((resolveLogged) => (leaderLogged = resolveLogged));

  /** Starts (or starts again) node `i`; resolves once it accepts clients. */
  const startNode = (i) => {
    const node = nodes[i];
    const child = spawn(binary, ['-c', node.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    node.process = child;
    node.pid = child.pid;
    node.exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
    let pending = '';
    return new Promise((resolveReady, reject) => {
      const onData = (chunk) => {
        pending += chunk.toString('utf8');
        let nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          options.log?.(`[${node.name}] ${line}`);
          node.recentLog.push(line);
          if (node.recentLog.length > LOG_LINES_KEPT) node.recentLog.shift();
          if (/Server is ready/.test(line)) {
            if (size === 1) leaderLogged();
            resolveReady();
          }
          if (/Self is new JetStream cluster metadata leader|JetStream cluster new metadata leader/.test(line)) {
            namedLeader.add(node.name);
            leaderLogged();
          }
        }
      };
      child.stderr.on('data', onData);
      child.once('exit', (code, signal) =>
        reject(new Error(`nats-server ${node.name} exited (${code ?? signal}) before it was ready; its log ended:\n${node.recentLog.join('\n')}`)),
      );
      child.once('error', reject);
    });
  };

  const cluster = {
    dir,
    nodes,
    /** Every node's client URL, comma-separated, as `--store` takes them. */
    get urls() {
      return nodes.map((n) => n.url).join(',');
    },
    /** Kills node `i` at once (SIGKILL): its store stays as a crash leaves it. */
    async kill(i) {
      const node = nodes[i];
      node.process?.kill('SIGKILL');
      await node.exited;
      node.process = undefined;
    },
    /** Starts a killed node again on the same ports and store. */
    async restart(i) {
      await startNode(i);
    },
    /** Each node's last log lines, to explain a failure. */
    recentLogs() {
      return nodes.map((n) => `[${n.name}]\n${n.recentLog.join('\n')}`).join('\n');
    },
    /** Stops every node (killing one that has not exited 5 s after SIGTERM) and removes the cluster's directory (unless the caller gave it). */
    async stop() {
      await Promise.all(
        nodes.map(async (node) => {
          if (node.process === undefined) return;
          const child = node.process;
          child.kill('SIGTERM');
          const stubborn = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await node.exited;
          clearTimeout(stubborn);
          node.process = undefined;
        }),
      );
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  let deadline;
  const formedInTime = new Promise((_, reject) => {
    const ms = options.joinDeadlineMs ?? JOIN_DEADLINE_MS;
    deadline = setTimeout(() => reject(new Error(`not formed within ${ms} ms (nodes that logged a metadata leader: ${[...namedLeader].join(', ') || 'none'}); the nodes' logs ended:\n${cluster.recentLogs()}`)), ms);
  });
  try {
    let formed = false;
    await Promise.race([
      Promise.all(nodes.map((_, i) => new Promise((wait) => setTimeout(wait, options.startDelaysMs?.[i] ?? 0)).then(() => startNode(i)))).then(() => Promise.race([someLeaderLogged, new Promise((wait) => setTimeout(wait, LEADER_LOG_WAIT_MS))]))
        .then(() => placesReplicatedStreams(cluster.urls.split(','), size, () => formed)),
      formedInTime,
    ]).finally(() => (formed = true));
  } catch (e) {
    await cluster.stop();
    throw e;
  } finally {
    clearTimeout(deadline);
  }
  return cluster;
}

/**
 * Resolves once the cluster creates (and deletes) a stream with a copy on every node: every node may have
 * joined under a leader and stream placement still fail for a while (nats-server 2.9 on a loaded machine),
 * and then every test's first request would wait out its own retries. Stops asking once `done()`.
 */
async function placesReplicatedStreams(servers, replicas, done) {
  const nc = await connect({ servers, reconnect: true });
  try {
    // No check of the API up front: until a metadata leader is elected it goes unanswered (a timeout that
    // would end the attempt); the stream is asked for again until then. (Creating the same stream again
    // is answered as a success, so an ask answered too late does no harm.)
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    for (let attempt = 0; !done(); attempt++) {
      try {
        await jsm.streams.add({ name: 'eddy_cluster_probe', subjects: ['eddy.cluster.probe'], num_replicas: replicas, storage: 'memory' });
        await jsm.streams.delete('eddy_cluster_probe');
        return;
      } catch {
        await new Promise((resolveWait) => setTimeout(resolveWait, Math.min(50 * 2 ** attempt, 1_000)));
      }
    }
  } finally {
    await nc.close().catch(() => undefined);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const size = Number(process.argv[2] ?? 3);
  const cluster = await startNatsCluster({ size, ...(process.argv[3] ? { dir: process.argv[3] } : {}) });
  process.stdout.write(`NATS JetStream cluster of ${size} nodes in ${cluster.dir}\n  eddy serve --store ${cluster.urls.split(',').map((u) => u).join(',')}\n`);
  const stop = () => cluster.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
