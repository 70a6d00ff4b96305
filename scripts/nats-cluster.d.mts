// Types of nats-cluster.mjs, for the tests that start a cluster.

export interface NatsNode {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** The running process's id (undefined while killed). */
  readonly pid: number | undefined;
}

export interface NatsCluster {
  readonly dir: string;
  readonly nodes: readonly NatsNode[];
  /** Every node's client URL, comma-separated, as `--store` takes them. */
  readonly urls: string;
  /** Kills node `i` at once (SIGKILL). */
  kill(i: number): Promise<void>;
  /** Starts a killed node again on the same ports and store. */
  restart(i: number): Promise<void>;
  /** Each node's last log lines, to explain a failure. */
  recentLogs(): string;
  /** Stops every node and removes the cluster's directory (unless the caller gave it). */
  stop(): Promise<void>;
}

export function natsServerBinary(): string;
export function natsServerAvailable(): boolean;
export function natsServerVersion(): string;
export function startNatsCluster(options?: {
  size?: number;
  dir?: string;
  maxFileStore?: string;
  log?: (line: string) => void;
  joinDeadlineMs?: number;
  /** How long each node's start is held back, ms (to test a node that starts late). */
  startDelaysMs?: readonly number[];
}): Promise<NatsCluster>;
