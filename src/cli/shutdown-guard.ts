// A clean stop of `eddy serve` waits for queries' final checkpoints, deliveries' last files and the
// cluster's answers. Should one of those never come (a cluster that stopped answering, a watch that does
// not end), the process must still end, as operators and orchestrators expect: at once on a second
// SIGINT/SIGTERM (a second Ctrl-C), or once the shutdown has taken `timeoutMs`. Either way it says so and
// exits with an error code; what was not saved is what a crash loses (queries resume from their last
// checkpoint, unacknowledged puts were never acknowledged).

import { EXIT } from './command.js';

export interface ShutdownGuard {
  /** The clean stop finished: no forced exit. */
  cancel(): void;
}

export interface ShutdownGuardOptions {
  readonly timeoutMs: number;
  readonly report: (message: string) => void;
  /** Ends the process (process.exit; tests pass their own). */
  readonly exit: (code: number) => void;
  /** The process whose signals count (tests pass an emitter). */
  readonly signals?: Pick<NodeJS.Process, 'once' | 'off'>;
}

/** Exit code of a stop that did not finish cleanly. */
export const FORCED_EXIT_CODE = EXIT.failure;

export function guardShutdown(options: ShutdownGuardOptions): ShutdownGuard {
  const signals = options.signals ?? process;
  let done = false;
  const force = (why: string): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
    options.report(`eddy serve: ${why}; exiting without finishing the stop (queries resume from their last checkpoint).\n`);
    options.exit(FORCED_EXIT_CODE);
  };
  const onSignal = (signal: NodeJS.Signals): void => force(`${signal} during shutdown`);
  const timer = setTimeout(() => force(`shutdown did not finish within ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs);
  // The timer alone does not keep the process alive once everything else has closed.
  timer.unref();
  signals.once('SIGINT', onSignal);
  signals.once('SIGTERM', onSignal);
  return {
    cancel() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
    },
  };
}
