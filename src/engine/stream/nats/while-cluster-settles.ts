// JetStream answers some requests with a temporary refusal while its cluster is forming or electing a
// leader (just after start-up, or while a node restarts): such requests are made again for a while.

const SETTLE_MS = 30_000;

/** Whether `e` is one of JetStream's refusals that go away once the cluster has settled. */
export function isUnsettledCluster(e: unknown): boolean {
  // The client reports a publish nobody answered (the stream's leader just went, no new one yet) as
  // "jetstream is not enabled".
  return /no suitable peers|insufficient resources|temporarily unavailable|jetstream (is )?not (enabled|ready)|no responders|timeout|timed out|503/i.test(
    String((e as Error)?.message ?? e),
  );
}

/** Runs `request`, again after a short pause while it fails because the cluster is still settling. */
export async function whileClusterSettles<T>(request: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (e) {
      if (!isUnsettledCluster(e) || Date.now() - started > SETTLE_MS) throw e;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1_000)));
    }
  }
}
