/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits until `sinceMs + windowMs` has passed (at once when it has): what a runner that inherits
 * another's intent does before it looks, so a create that runner had on the wire has landed.
 */
export async function waitUntilOld(sinceMs: number, windowMs: number, signal?: AbortSignal): Promise<void> {
  const left = sinceMs + windowMs - Date.now();
  if (left > 0) await sleep(left, signal);
}
