import type { Command, CommandIO, ParsedArgs } from '../cli/command.js';
import { ExitCode, stoppedBy } from '../cli/exit-codes.js';
import { listenForStop } from '../cli/stop-signals.js';
import { connectionOf, insecureHttpWarning, loadConfig } from '../config/config.js';
import type { ConnectionConfig } from '../config/connection-config.js';
import { UsageError } from '../errors/usage-error.js';
import { formatStatus } from '../ops/format.js';
import { withOps } from '../ops/ops-context.js';
import { getStatus, type ImportStatus } from '../ops/status.js';
import { ImportInterruptedError } from '../producer/errors.js';
import { type ImportProgress, type ImportSummary, importCsv } from '../producer/import-csv.js';
import { formatProgress, formatSummary } from '../producer/report-format.js';
import { ImportFollowLostError, waitForImport } from '../producer/wait.js';
import { RedisUnavailableError, redactRedisUrl } from '../queue/connection.js';
import { IMPORT_PRIORITY_MAX, parseImportPriority } from '../queue/job-options.js';

const PLAIN_PROGRESS_INTERVAL_MS = 10_000;

export const command: Command = {
  name: 'import',
  summary: 'read a CSV, validate it and enqueue its valid rows (--dry-run to estimate)',
  help: `Usage: lead-importer import FILE [options]

Reads FILE (a CSV export from Excel, Google Sheets, a CRM…), validates every row and enqueues
one job per 10 valid rows (LEAD_IMPORTER_ROWS_PER_JOB) for \`lead-importer worker\`.
Encoding (UTF-8, UTF-16, Windows-1252, -1250 and -1251, Mac Roman, DOS 850), delimiter (, ; tab |), line
endings and lines before the header are detected; in a report of several named tables (Zoom's webinar
reports) the attendees' or registrants' table is read. Columns map themselves from the header conventions of
Salesforce, HubSpot, Zoho, Apollo, LinkedIn, Google Contacts, Outlook, Mailchimp, Dynamics 365, Close, ZoomInfo,
Bitrix24 (Russian), Lusha, Seamless.AI, PhantomBuster's Sales Navigator export, Copper, Keap, Freshsales,
Zoom webinar reports, Eventbrite, Microsoft Forms and Pipedrive's own exports, and from well-known headers (also in German, French,
Spanish, Portuguese, Dutch, Italian, Russian, Ukrainian, Polish, Czech and Hungarian); the dry run shows each
column's field and why. A spreadsheet's totals row (Total, Sum… and figures) is rejected, never imported as a lead.
Rejected rows are reported with their line, column and how to fix them, and are never sent to
Pipedrive. What it reads from Pipedrive (owners, labels, currencies, fields) waits for room in the
token's burst window beside the workers' calls and counts in the company's daily budget (the dry
run's reads do neither; it writes nothing to Redis, and reads the imports there to say what the
real run would about a file imported before: refused, exit 2, warned or resumed).

Running the same command again enqueues nothing new (the import id comes from the file's content
and the mapping); after a crash it resumes where it stopped.

Options:
  --connection NAME      the Pipedrive company to import into, from PIPEDRIVE_CONNECTIONS_FILE
                         (default: the connection named default, or the file's only one); its
                         users, labels and fields read the file, its plan and budget make the
                         estimate, and the rows wait on its own queue
  --priority N           the import's share of its connection beside other imports running there,
                         1 to 100 (default 1): imports take turns row by row, and one of priority N
                         takes N rows per turn; a new import runs its first 1,000 turns ahead of
                         the imports under way, so a small one started during a big one is not
                         stuck behind it; kept with the import (a re-run keeps the first one)
  --mapping FILE         mapping file (.yaml or .json): columns to lead, person, organization and
                         custom fields by their Pipedrive name; labels, owner and defaults
                         (without it, well-known headers such as Name, Email, Company map themselves)
  --import-id ID         name the import yourself (letters, digits, _ . -; default: imp-<hash>)
  --dry-run              read and validate everything, show the mapping (each column's field and
                         why, the columns not imported and why), the first rejects, distinct
                         contacts and an estimate of Pipedrive tokens and time; enqueue nothing
  --print-mapping        a dry run that prints the mapping as a mapping file to start from
                         (YAML on stdout; the summary goes to stderr): fix a wrong guess, then
                         import with --mapping
  --update-contacts MODE never (default): persons and organizations that exist already are linked
                         as they are; fill-empty: they get the row's values in fields where they
                         have none (never overwriting; 1–6 tokens per existing contact)
  --offline              with --dry-run: call no Pipedrive endpoint (names stay unresolved)
  --wait                 follow the import until every row is created or dead-lettered
                         (Ctrl-C stops waiting, not the import: exit 130); not with --dry-run
                         or --print-mapping (exit 2: they enqueue nothing to follow)
  --json                 print one JSON object (importId, rows, enqueued, rejected, alreadyImported, …)
  --rejects FILE.csv     write rejected rows: original columns plus line, column and reason
  --title-template TPL   lead title when no title column, e.g. "{organization} – {name}"
                         (fields: organization, name, first_name, last_name, email, phone, or a
                         column name in braces; default: "<organization> lead", else "<name> lead")
  --date-format FMT      DD/MM/YYYY or MM/DD/YYYY, for dates like 03/04/2025
  --decimal , | .        the decimal separator of the file's amounts, for amounts like 1.500:
                         with , it is 1500 (1.234,56), with . it is 1.5 (1,234.56) (default:
                         from the file's other amounts, else its month-first dates, else 1500;
                         the dry run says which and why)
  --currency CODE        currency of amounts that name none (default: the mapping's, else the
                         Pipedrive user's default currency)
  --encoding ENC         utf-8 | utf-16le | utf-16be | windows-1252 | macintosh (Mac Roman) |
                         windows-1250 (Central European) | windows-1251 (Cyrillic) |
                         cp850 (DOS: Excel's "CSV (MS-DOS)"; cp437 files read alike) |
                         shift_jis (cp932) | gb18030 (GBK, cp936) | euc-kr (cp949) | big5 (cp950)
                         (default: detected; a file that fits two is refused until you choose)
  --delimiter D          , | ; | tab | "|" (default: detected from the header line)

Environment: REDIS_URL, REDIS_PREFIX, PIPEDRIVE_CONNECTIONS_FILE (many companies), or for one:
PIPEDRIVE_BASE_URL, PIPEDRIVE_API_TOKEN (or OAuth), PIPEDRIVE_PLAN, PIPEDRIVE_SEATS,
PIPEDRIVE_DAILY_TOKENS (for the estimate). LEAD_IMPORTER_ROWS_PER_JOB=k (1–100, default 10): a new
import's valid rows go k consecutive rows per BullMQ job (fewer Redis commands and less worker CPU
per lead; each row still runs, retries and is dead-lettered on its own); kept with the import.

Ctrl-C (or SIGTERM) while the file is read enqueues what was read and stops; run the same command
again for the rest. With --wait it stops waiting; the import goes on.

Exit codes: 0 ok; 2 usage, configuration, unreadable or empty file (a header with no data rows
too: the dry run warns, the import creates nothing), bad mapping or Redis unreachable;
3 some rows were rejected (or, with --wait, dead-lettered); 130 (143 for SIGTERM) stopped before
the end: reading the file, or --wait with rows still pending; also for a signal after the work, as
the summary is printed.

Examples:
  lead-importer import leads.csv --dry-run
  lead-importer import salesforce-report.csv --print-mapping > mapping.yaml
  lead-importer import leads.csv --mapping mapping.yaml --rejects rejects.csv
  lead-importer import leads.csv --connection acme --wait
  lead-importer import urgent.csv --priority 5     # 5 rows for every row of the other imports
  lead-importer import export.csv --date-format DD/MM/YYYY --title-template "{organization} – {name}" --wait`,
  options: {
    connection: { type: 'string' },
    priority: { type: 'string' },
    mapping: { type: 'string' },
    'import-id': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'print-mapping': { type: 'boolean' },
    'update-contacts': { type: 'string' },
    offline: { type: 'boolean' },
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
    rejects: { type: 'string' },
    'title-template': { type: 'string' },
    'date-format': { type: 'string' },
    decimal: { type: 'string' },
    currency: { type: 'string' },
    encoding: { type: 'string' },
    delimiter: { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, io) {
    // The first Ctrl-C or SIGTERM stops the read between two batches (what was read is enqueued, the import says
    // how far it got) or the following with --wait; a second one stops the process at once (Node's default).
    const stop = listenForStop();
    const stopping = new AbortController();
    void stop.received.then((signal) => stopping.abort(signal));
    try {
      const code = await importAndFollow(args, io, stopping.signal);
      // A signal after the read (as the summary was printed, or as --wait saw the last row finish): the user asked
      // to stop, and a script's `import && next` must stop too; the documented code, as for one during the read.
      return stopping.signal.aborted ? stoppedBy(stopping.signal.reason as NodeJS.Signals) : code;
    } catch (err) {
      if (!(err instanceof ImportInterruptedError)) throw err;
      io.stderr.write(`lead-importer import: ${err.message}\n`);
      return stoppedBy(err.signal);
    } finally {
      stop.cancel();
    }
  },
};

/** The command's work: import the file, then, with --wait, follow it; `stop` aborts on the first SIGINT or SIGTERM. */
async function importAndFollow(args: ParsedArgs, io: CommandIO, stop: AbortSignal): Promise<ExitCode> {
  const v = args.values;
  // Before anything is read: a dry run enqueues nothing, so --wait would follow nothing (and was silently ignored).
  const dryFlag =
    v['print-mapping'] === true ? '--print-mapping' : v['dry-run'] === true ? '--dry-run' : undefined;
  if (v.wait === true && dryFlag) {
    throw new UsageError(
      `--wait goes with an import, not with ${dryFlag}: a dry run enqueues nothing, so there is nothing to follow. Run the import without ${dryFlag} to follow it with --wait.`,
    );
  }
  const config = loadConfig(io.env);
  const str = (name: string) => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
  const connection = connectionOf(config, str('connection'));
  const priority = priorityFlag(str('priority'));
  const insecure = v.offline === true ? undefined : insecureHttpWarning(config, connection);
  if (insecure) io.stderr.write(`Warning: ${insecure}\n`);
  const file = args.positionals[0] as string;
  const progress = createProgressPrinter(io);
  let summary: ImportSummary;
  try {
    summary = await importCsv({
      file,
      config,
      connection: connection.name,
      ...optional('priority', priority),
      ...optional('mapping', str('mapping')),
      ...optional('importId', str('import-id')),
      ...optional('rejectsFile', str('rejects')),
      ...optional('titleTemplate', str('title-template')),
      ...optional('dateFormat', str('date-format')),
      ...optional('decimal', str('decimal')),
      ...optional('currency', str('currency')),
      ...optional('encoding', str('encoding')),
      ...optional('delimiter', str('delimiter')),
      ...optional('updateContacts', str('update-contacts') as 'never' | 'fill-empty' | undefined),
      dryRun: v['dry-run'] === true || v['print-mapping'] === true,
      offline: v.offline === true,
      onProgress: (p) => progress.update(summaryName(file), p),
      signal: stop,
    });
  } finally {
    progress.done();
  }
  const noSecret = summary.dryRun ? undefined : credentialsProblem(connection);
  if (noSecret) {
    // The producer needs no secret (it reads the file and queues rows), and workers may hold it on another
    // host; but where they read the same configuration, these rows would wait for ever without a word.
    io.stderr.write(
      `Warning: connection "${connection.name}" has no Pipedrive credentials here: ${noSecret} Workers need them to process these rows; where they run with the secret set, nothing is wrong.\n`,
    );
  }

  if (v['print-mapping'] === true) {
    io.stderr.write(formatSummary(summary));
    io.stdout.write(summary.mappingFile);
    return failedRows(summary) > 0 ? ExitCode.RowsFailed : ExitCode.Ok;
  }
  let final: ImportStatus | undefined;
  if (v.wait === true && !summary.dryRun) {
    if (!v.json) io.stdout.write(formatSummary(summary, { waiting: true }));
    final = await follow(config, summary, io, stop);
  }
  if (v.json) {
    io.stdout.write(`${JSON.stringify(toJson(summary, final))}\n`);
  } else if (final) {
    io.stdout.write(`\n${formatStatus(final)}`);
  } else {
    io.stdout.write(formatSummary(summary));
  }
  // Stopped waiting with rows still pending: not finished, so not 0 (a script's `import --wait && next` must stop).
  if (final && final.pending > 0 && stop.aborted) return stoppedBy(stop.reason as NodeJS.Signals);
  const failed = failedRows(summary) > 0 || (final?.deadLettered ?? 0) > 0;
  return failed ? ExitCode.RowsFailed : ExitCode.Ok;
}

/**
 * Rejected rows that failed: not those that only repeat a person of a report with a row per visit (a Zoom viewer who
 * rejoined), whose lead comes from the person's first row, nor the sheet's layout (a section's title and header), nor
 * the file owner's own side (a Teams meeting's organizer).
 */
function failedRows(summary: ImportSummary): number {
  return summary.rejected - summary.repeated - (summary.layout ?? 0) - (summary.ownSide ?? 0);
}

/** Why the connection cannot call Pipedrive from this process (a variable not set, a file missing), if it cannot. */
function credentialsProblem(connection: ConnectionConfig): string | undefined {
  try {
    connection.requireCredentials();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** `--priority N`: a whole number from 1 to 100, or a usage error (exit 2) that says so. */
function priorityFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseImportPriority(value);
  if (n === undefined) {
    throw new UsageError(
      `--priority must be a whole number from 1 to ${IMPORT_PRIORITY_MAX} (an import of priority N takes N rows for every row of a priority-1 import on the same connection), got "${value}".`,
    );
  }
  return n;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function summaryName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** The `--json` object: the summary plus, with `--wait`, the final counts. */
function toJson(s: ImportSummary, final: ImportStatus | undefined): Record<string, unknown> {
  const { header: _header, mapping, fileHash: _hash, mappingFile: _file, ...rest } = s;
  return {
    ...rest,
    mapping,
    ...(final
      ? {
          state: final.state,
          created: final.created,
          deadLettered: final.deadLettered,
          cancelled: final.cancelled,
          pending: final.pending,
          tokensUsed: final.tokensUsed,
        }
      : {}),
  };
}

/** Progress on stderr: one rewritten line on a terminal, a plain line every 10 s otherwise. */
function createProgressPrinter(io: CommandIO) {
  const tty = Boolean(io.stderr.isTTY);
  let lastPlainAt = Date.now();
  let drawn = false;
  return {
    update(file: string, p: ImportProgress) {
      const line = formatProgress(file, p);
      if (tty) {
        io.stderr.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (!p.done && Date.now() - lastPlainAt >= PLAIN_PROGRESS_INTERVAL_MS) {
        lastPlainAt = Date.now();
        io.stderr.write(`${line}\n`);
      }
    },
    done() {
      if (drawn) io.stderr.write('\n');
      drawn = false;
    },
  };
}

/** `--wait`: polls the import's status until nothing is pending; Ctrl-C stops waiting, not the import. */
async function follow(
  config: ReturnType<typeof loadConfig>,
  summary: ImportSummary,
  io: CommandIO,
  stop: AbortSignal,
): Promise<ImportStatus> {
  const tty = Boolean(io.stderr.isTTY);
  // Redis may go away between the enqueue and the follower's own connection (a restart, a failover): its first
  // connect is tried again, as its polls ride through an outage, for as long as they would.
  const connectUntil = Date.now() + FOLLOW_OUTAGE_TOLERANCE_MS;
  let opened = false;
  for (;;) {
    try {
      return await followOnce();
    } catch (err) {
      if (opened || !(err instanceof RedisUnavailableError) || Date.now() >= connectUntil || stop.aborted)
        throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async function followOnce(): Promise<ImportStatus> {
    try {
      return await withOps(
        config,
        async (ctx) => {
          opened = true;
          let lastPlainAt = 0;
          let status: ImportStatus | undefined;
          const finished = await waitForImport(ctx.ledger, summary.importId, {
            signal: stop,
            onUpdate: async () => {
              // Asks Redis which workers serve the queue, as `status` does: with none, the line says so at once.
              status = await getStatus(ctx, summary.importId, Date.now(), { checkServed: true });
              const line = `${summary.importId}: ${status.stateText} · created ${status.created} · dead-lettered ${status.deadLettered} · pending ${status.pending}${status.etaText ? ` · ETA ${status.etaText}` : ''}`;
              if (tty) io.stderr.write(`\r\x1b[2K${line}`);
              else if (Date.now() - lastPlainAt >= PLAIN_PROGRESS_INTERVAL_MS) {
                lastPlainAt = Date.now();
                io.stderr.write(`${line}\n`);
              }
            },
          });
          if (tty) io.stderr.write('\n');
          if (stop.aborted && finished.pending > 0) {
            io.stderr.write(
              `Stopped waiting; the import goes on. Follow it with \`lead-importer status ${summary.importId}\`.\n`,
            );
          }
          return status ?? getStatus(ctx, summary.importId, Date.now(), { checkServed: true });
        },
        undefined,
        // Reconnect for as long as it follows (a command client gives up after a few tries): a restart or a
        // failover outlasts those, and the polls ride through it (`outageToleranceMs` bounds how long).
        { retryStrategy: (times) => Math.min(times * 200, 2_000) },
      );
    } catch (err) {
      if (!(err instanceof ImportFollowLostError)) throw err;
      // Redis unreachable: exit 2, as every command; what was enqueued is safe and the workers carry on.
      throw new RedisUnavailableError(
        `Cannot reach Redis at ${redactRedisUrl(config.redisUrl)}: ${err.message}. Stopped waiting; the import goes on in the workers. Follow it with \`lead-importer status ${summary.importId}\` once Redis is back.`,
      );
    }
  }
}

/** How long `--wait` tries again to reach Redis for its first poll, as long as its polls ride through an outage. */
const FOLLOW_OUTAGE_TOLERANCE_MS = 60_000;
