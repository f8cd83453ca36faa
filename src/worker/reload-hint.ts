/**
 * How an operator makes a running worker apply an edited connections file, in the words that fit how it was started:
 * with `--watch` a save is enough (the worker looks at the file itself), otherwise it needs SIGHUP. Told "send
 * SIGHUP" by a worker that watches the file, operators in a Kubernetes pod (where nobody sends signals) went looking
 * for a way to signal it.
 */
export function applyTheFile(watching: boolean | undefined): string {
  return watching ? 'save it; this worker, started with --watch, applies it by itself' : 'send SIGHUP';
}
