/** The first SIGINT or SIGTERM a long-running command gets, listened for from the moment it is made. */
export interface StopSignals {
  /** Resolves with the first SIGINT or SIGTERM; a second one then takes Node's default action (forced stop). */
  readonly received: Promise<NodeJS.Signals>;
  /** Stops listening (a command that ends without being signalled). */
  cancel(): void;
}

/**
 * Listens for SIGINT and SIGTERM now. Make it before the command says it is ready ("listening at …"): a
 * supervisor or a test that signals as soon as it reads that line must find the listener installed, or Node's
 * default action ends the process by the signal (exit code null, nothing closed) instead of a clean exit 0.
 */
export function listenForStop(): StopSignals {
  let stop: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => {
    stop = (signal) => {
      cancel();
      resolve(signal);
    };
  });
  const cancel = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { received, cancel };
}
