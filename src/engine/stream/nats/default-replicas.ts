// How many copies a stream or bucket gets when the user does not say: 3 on a cluster of three or more
// servers, else as many servers as there are. A server lists the cluster's client URLs (its own among them)
// only once its routes to the others are up, which on a busy machine may be after a client connects: a
// count of two then would make every stream R2, which stops taking writes (and, read through an R1
// consumer, stops growing) as soon as either of its two nodes goes. The servers the user named are
// members too, so the larger of the two counts is taken.
import type { ServerInfo } from '@nats-io/transport-node';

export function defaultReplicas(info: ServerInfo | undefined, namedServers: readonly string[]): number {
  if (info?.cluster === undefined) return 1;
  const known = Math.max(info.connect_urls?.length ?? 0, new Set(namedServers).size);
  return Math.min(3, Math.max(1, known));
}
