import { fileSignature } from '../config/file-signature.js';
import type { Logger } from '../logging/logger.js';
import type { ConnectionsNow } from '../ops/ops-context.js';

export interface ConnectionsFollowerOptions {
  /** The connections file (`PIPEDRIVE_CONNECTIONS_FILE`). */
  file: string;
  /** The connections as the dashboard started with them. */
  initial: ConnectionsNow;
  /**
   * Reads the file again: its connections' names and limits. Throws (a `ConfigError`) when the file cannot be used;
   * its message names the file, never a secret.
   */
  load: () => ConnectionsNow;
  logger: Logger;
}

/** What a look at the file found. */
export type FollowResult = 'unchanged' | 'reloaded' | 'kept';

/**
 * The dashboard's connections, read again from the connections file when it changed, so that a connection added to the
 * file (for the workers, which reload on SIGHUP or `--watch`) shows on the imports page, in its filter and in bull-board
 * without a restart; one removed goes (its imports stay listed, shown stalled while no worker serves them).
 *
 * {@link ConnectionsFollower.look} costs one `stat` and reads the file only when what `stat` says of it (inode, size,
 * modification and change times) differs from the last read: called on each request. A file that cannot be read or
 * used keeps the connections as they were, said once in the log per version of the file. Only names and limits are
 * kept; the secrets the file names are read by the loader (as at start) and dropped.
 */
export class ConnectionsFollower {
  private connections: ConnectionsNow;
  /** What `stat` said of the file at the last read (or the last failed one). */
  private seen: string | undefined;
  private looking: Promise<FollowResult> | undefined;

  constructor(private readonly options: ConnectionsFollowerOptions) {
    this.connections = options.initial;
  }

  /** The connections as last read. */
  current(): ConnectionsNow {
    return this.connections;
  }

  /** Takes the file as it is now as the one the connections came from (at start, after the first read). */
  async start(): Promise<void> {
    this.seen = await this.signature();
  }

  /**
   * Reads the file again if it changed since the last read (`force`: whatever `stat` says, as on SIGHUP). Concurrent
   * calls share one look.
   */
  look(force = false): Promise<FollowResult> {
    this.looking ??= this.lookOnce(force).finally(() => {
      this.looking = undefined;
    });
    return this.looking;
  }

  private async lookOnce(force: boolean): Promise<FollowResult> {
    const now = await this.signature();
    if (!force && now === this.seen) return 'unchanged';
    this.seen = now;
    const { file, logger } = this.options;
    let next: ConnectionsNow;
    try {
      next = this.options.load();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn(
        { reason },
        `The connections file ${file} changed but cannot be used; the dashboard keeps showing ${this.names(this.connections)}. ${reason}`,
      );
      return 'kept';
    }
    const before = this.names(this.connections);
    this.connections = next;
    logger.info(
      { connections: [...next.connectionLimits.keys()] },
      `Read the connections file ${file} again: showing ${this.names(next)} (before: ${before})`,
    );
    return 'reloaded';
  }

  private names(c: ConnectionsNow): string {
    return [...c.connectionLimits.keys()].join(', ');
  }

  private signature(): Promise<string> {
    return fileSignature(this.options.file);
  }
}
