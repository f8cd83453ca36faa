import type { EventEmitter } from 'node:events';

const QUIETED = Symbol('lead-importer.quieted');

/**
 * Makes a BullMQ queue's or worker's Redis connections drop an `error` that nobody listens to any more, rather than
 * throw it; returns `owner`.
 *
 * BullMQ 5.81's `RedisConnection` re-emits a failed start (`this.initializing.catch(err => this.emit('error', err))`)
 * even after its `close()` removed every listener. A worker stopped while Redis refused its password (WRONGPASS)
 * closed its blocking connection while that connection was still starting; its start then failed, the `error` found
 * no listener, and the throw from that promise handler ended the process with exit 1 right after "Worker stopped"
 * (3 runs in 9 of `shutdown-while-connecting.test.ts` on a busy machine). While the queue or worker is open its own
 * listener is there and errors reach it as before.
 */
export function quietAfterClose<T extends object>(owner: T): T {
  for (const key of ['connection', 'blockingConnection']) {
    const connection = (owner as Record<string, unknown>)[key] as
      | (EventEmitter & { [QUIETED]?: true })
      | undefined;
    if (!connection || typeof connection.emit !== 'function' || connection[QUIETED]) continue;
    connection[QUIETED] = true;
    const emit = connection.emit;
    connection.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error' && this.listenerCount('error') === 0) return false;
      return emit.call(this, event, ...args);
    } as EventEmitter['emit'];
  }
  return owner;
}
