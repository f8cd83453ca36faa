import { fileSignature } from '../config/file-signature.js';

export interface ConnectionsWatchOptions {
  /** The files to watch now: the connections file and the secret files it names (asked again at every look). */
  paths: () => readonly string[];
  /** Called once the files changed and then stayed the same for one more look. */
  onChange: () => void;
  /** How often the files are looked at, in ms. @defaultValue 2000 */
  intervalMs?: number;
}

/**
 * Watches the connections file and the secret files it names by looking at them (`stat`) every `intervalMs`, and
 * calls `onChange` once they changed and then held still for one more look: what `worker --watch` reloads on, with
 * no signal to send.
 *
 * Why looking rather than `fs.watch`: an editor's atomic save replaces the file (write a temporary file, rename it
 * over), and Kubernetes swaps a mounted secret's directory through a symlink (`..data`); `stat` of the path follows
 * both to what the path names now (another inode), where an inotify watch stays on the file that was replaced.
 *
 * Why held still: a save in two writes (truncate, then write) or a copy in several chunks shows a file cut short;
 * read then, it would fail to parse (kept as it was, one error line) or, worse, parse with a connection missing (that
 * connection stopped, then started again). One more look with nothing changed lets the writer finish first; a file
 * still cut short after that is reported by the reload and the connections are kept.
 */
export class ConnectionsWatch {
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  /** What the files looked like at the last reload (or at the start). */
  private applied: string | undefined;
  /** What they looked like at the last look, while they differ from `applied`. */
  private seen: string | undefined;
  private looking = false;

  constructor(private readonly options: ConnectionsWatchOptions) {
    this.intervalMs = options.intervalMs ?? 2000;
  }

  /** Takes the files as they are now as the ones applied, then looks every `intervalMs`. */
  async start(): Promise<void> {
    this.applied = await this.signature();
    this.timer = setInterval(() => void this.look(), this.intervalMs);
    this.timer.unref();
  }

  /** Takes the files as they are now as applied: a reload made otherwise (SIGHUP) is not made again. */
  async sync(): Promise<void> {
    this.applied = await this.signature();
    this.seen = undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      const now = await this.signature();
      if (now === this.applied) {
        this.seen = undefined;
        return;
      }
      // Changed: called once it looks the same twice in a row (the writer is done).
      if (now !== this.seen) {
        this.seen = now;
        return;
      }
      this.applied = now;
      this.seen = undefined;
      this.options.onChange();
    } finally {
      this.looking = false;
    }
  }

  /**
   * One line for every file: its inode, size and modification time as the path names it now (a symlink followed),
   * or why it cannot be looked at. Content is never read here.
   */
  private async signature(): Promise<string> {
    const paths = [...new Set(this.options.paths())].sort();
    const parts = await Promise.all(paths.map(async (path) => `${path}\t${await fileSignature(path)}`));
    return parts.join('\n');
  }
}
