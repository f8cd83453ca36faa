import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { type FileHandle, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { startsLikeFormula } from './formula-start.js';
import { checkOutputPath, kindOf, type OutputPathOptions } from './output-path.js';
import { OutputPathError } from './output-path-error.js';

/**
 * Writes CSV files that are safe to open in Excel: UTF-8 with a BOM (so accents survive) and
 * every cell that a spreadsheet would run as a formula neutralised (OWASP "CSV injection"):
 * such a cell (see {@link startsLikeFormula}) gets a leading `'`, which the importer takes away
 * again when the file comes back (`stripProtectiveQuote`).
 */
export function neutraliseCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return startsLikeFormula(text) ? `'${text}` : text;
}

/**
 * One CSV line. A cell with a `;` is quoted as well as one with a `,`: Excel in many locales
 * (German, French, …) splits on `;`, and an unquoted one would shift every column after it.
 */
export function formatCsvRow(cells: readonly unknown[]): string {
  return `${cells
    .map((cell) => {
      const text = neutraliseCell(cell);
      return /[",;\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',')}\r\n`;
}

/** Where the file may go: the flag that named it and the inputs it must never replace. */
export type CsvWriterOptions = OutputPathOptions;

/**
 * A streaming CSV writer with backpressure: `await CsvWriter.create(path, header)`, then
 * `await writer.write(cells)` per row, then `close()`.
 *
 * Rows go to a temporary file in the target's directory, which `close()` flushes to disk and
 * renames over the target: a crash or an error mid-way leaves the old file (or none) and never a
 * half one, and the target is only ever replaced whole. {@link checkOutputPath} refuses a path
 * that is one of the inputs, so the file being read can never be truncated, and anything but a regular
 * file or a new name (a device, a FIFO, a symlink), which the rename would replace.
 */
export class CsvWriter {
  private rows = 0;
  private failure: Error | undefined;
  private ending: Promise<void> | undefined;

  private constructor(
    /** The path as given (for messages and summaries). */
    readonly path: string,
    private readonly target: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly stream: WriteStream,
    private readonly option: string,
  ) {
    // Without a listener a write error (disk full) would be an uncaught 'error' event.
    stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /**
   * Checks the path (see {@link checkOutputPath}) and opens the temporary file next to it.
   * Throws an {@link OutputPathError} (a usage error: exit 2) when it cannot.
   */
  static async create(
    path: string,
    header: readonly string[],
    options: CsvWriterOptions = {},
  ): Promise<CsvWriter> {
    const target = await checkOutputPath(path, options);
    const temp = join(
      dirname(target),
      `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
    );
    let handle: FileHandle;
    try {
      // Reports, rejects and DLQ exports hold lead data: readable by their owner only.
      handle = await open(temp, 'wx', 0o600);
    } catch (err) {
      const { code, message } = err as NodeJS.ErrnoException;
      throw new OutputPathError(
        `${options.option ?? 'output'} ${path}: cannot create a file in ${dirname(target)} (${code ?? message}); choose a directory you can write to.`,
      );
    }
    const stream = handle.createWriteStream({ encoding: 'utf8', flush: true });
    const writer = new CsvWriter(path, target, temp, handle, stream, options.option ?? 'output');
    stream.write('\uFEFF');
    stream.write(formatCsvRow(header));
    return writer;
  }

  async write(cells: readonly unknown[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.ending) throw new Error(`${this.path} is already closed`);
    this.rows++;
    if (!this.stream.write(formatCsvRow(cells))) await once(this.stream, 'drain');
  }

  /** Rows written so far (header excluded). */
  get rowCount(): number {
    return this.rows;
  }

  /** Finishes the file and puts it in place of the target. Idempotent; after `abort()`, does nothing. */
  close(): Promise<void> {
    this.ending ??= (async () => {
      try {
        if (this.failure) throw this.failure;
        // `flush`: the data is on disk (fsync) before the rename makes it the target.
        this.stream.end();
        await finished(this.stream);
        await this.checkTargetStill();
        try {
          await rename(this.temp, this.target);
        } catch (err) {
          const { code, message } = err as NodeJS.ErrnoException;
          throw new OutputPathError(
            `${this.option} ${this.path}: cannot replace it (${code ?? message}); choose a path you can write to.`,
          );
        }
      } catch (err) {
        await this.discard();
        throw err;
      }
    })();
    return this.ending;
  }

  /**
   * The target is still what {@link checkOutputPath} accepted: absent or a regular file. Whoever can write
   * to its directory could have put a FIFO, a device or a symlink there meanwhile; the rename would replace
   * it (a link itself, never what it names), so this narrows the window rather than closing it.
   */
  private async checkTargetStill(): Promise<void> {
    const now = await lstat(this.target).catch(() => undefined);
    if (now && !now.isFile()) {
      throw new OutputPathError(
        `${this.option} ${this.path} is now ${kindOf(now)}, not a regular file: it was left as it is and the CSV not written. Give the path of a regular file.`,
      );
    }
  }

  /** Drops what was written: the target stays as it was. Idempotent. */
  abort(): Promise<void> {
    this.ending ??= this.discard();
    return this.ending;
  }

  private async discard(): Promise<void> {
    this.stream.destroy();
    // The stream closes the handle; waiting for it keeps the unlink after the last write.
    await finished(this.stream).catch(() => {});
    await this.handle.close().catch(() => {});
    await rm(this.temp, { force: true });
  }
}
