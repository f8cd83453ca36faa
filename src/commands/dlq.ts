import type { Command, ParsedArgs } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { DEFAULT_CONNECTION, loadConfig } from '../config/config.js';
import {
  type DeadLetterEntry,
  exportDeadLetters,
  listDeadLetters,
  purgeDeadLetters,
  retryDeadLetters,
} from '../ops/dead-letters.js';
import { formatCount, formatUtc, printable, table } from '../ops/format.js';
import { withOps } from '../ops/ops-context.js';
import { connectionFilter } from '../ops/status.js';

const ACTIONS = ['list', 'export', 'retry', 'purge'] as const;
type Action = (typeof ACTIONS)[number];

export const command: Command = {
  name: 'dlq',
  summary: 'list | export | retry | purge the dead-letter queue',
  help: `Usage: lead-importer dlq <list|export|retry|purge> [options]

  dlq list [--import ID] [--error-class C] [--connection NAME] [--json]
      rows in the dead-letter queue with their errors (all imports unless --import)
  dlq export --import ID --out failed.csv [--error-class C] [--connection NAME] [--json]
      the rows' original columns plus error_class, error_message, http_status and line:
      fix the file and import it again (UTF-8 with BOM, safe to open in Excel)
  dlq retry [--import ID] [--error-class C] [--connection NAME] [--include-exported] [--json]
      put the rows back on their connection's queue with fresh attempts (steps that succeeded
      are not redone); a row whose stored data does not pass validation is refused and stays (exit 3);
      so is a row \`dlq export\` wrote to a file since it failed, which may have been fixed and
      imported again (retrying it would create its lead twice): --include-exported retries it anyway
  dlq purge --import ID [--error-class C] [--connection NAME] [--json]
      delete the import's DLQ entries (the rows stay counted as dead-lettered)

  --connection NAME   only rows of imports into this connection (PIPEDRIVE_CONNECTIONS_FILE);
                      with --import, refuse unless the import went there
  --json              print JSON on stdout: list an array of entries; export {"importId","out","rows"};
                      retry {"requeued","stale","busy","refused","refusals","exported","exports"};
                      purge {"importId","removed"}

Examples:
  lead-importer dlq list --import leads-3f2a9c
  lead-importer dlq retry --error-class PipedriveServerError
  lead-importer dlq list --connection acme`,
  options: {
    import: { type: 'string' },
    'error-class': { type: 'string' },
    connection: { type: 'string' },
    out: { type: 'string' },
    'include-exported': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run(args, io) {
    const action = args.positionals[0] as Action;
    if (!ACTIONS.includes(action)) {
      throw new UsageError(`Unknown dlq action "${action}": use one of ${ACTIONS.join(', ')}.`);
    }
    const importId = stringOption(args, 'import');
    const errorClass = stringOption(args, 'error-class');
    const out = stringOption(args, 'out');
    const json = args.values.json === true;
    if ((action === 'export' || action === 'purge') && !importId) {
      throw new UsageError(`dlq ${action} needs --import ID (see \`lead-importer dlq list\`).`);
    }
    if (action === 'export' && !out)
      throw new UsageError('dlq export needs --out FILE.csv: the file to write.');
    const config = loadConfig(io.env);
    const connectionName = stringOption(args, 'connection');
    return withOps(config, async (ctx) => {
      const connection = await connectionFilter(ctx, config, connectionName);
      switch (action) {
        case 'list': {
          const entries = await listDeadLetters(ctx, { importId, errorClass, connection });
          io.stdout.write(json ? `${JSON.stringify(entries)}\n` : formatEntries(entries, connection));
          return ExitCode.Ok;
        }
        case 'export': {
          const result = await exportDeadLetters(ctx, {
            importId: importId!,
            out: out!,
            errorClass,
            connection,
          });
          io.stdout.write(
            json
              ? `${JSON.stringify({ importId, out: result.out, rows: result.rows })}\n`
              : `Wrote ${formatCount(result.rows)} dead-lettered rows to ${result.out}.\n`,
          );
          return ExitCode.Ok;
        }
        case 'retry': {
          const includeExported = args.values['include-exported'] === true;
          const s = await retryDeadLetters(ctx, { importId, errorClass, connection, includeExported });
          if (json) {
            io.stdout.write(`${JSON.stringify(s)}\n`);
            return s.refused || s.exported ? ExitCode.RowsFailed : ExitCode.Ok;
          }
          io.stdout.write(
            `Re-queued ${formatCount(s.requeued)} rows with fresh attempts.${s.stale ? ` Removed ${formatCount(s.stale)} stale entries of rows that had already finished.` : ''}\n`,
          );
          if (s.busy) {
            io.stderr.write(
              `${formatCount(s.busy)} rows are still being dead-lettered by a worker; run the command again in a few seconds.\n`,
            );
          }
          if (s.exported) {
            const when = s.exports
              .map(
                (e) =>
                  `  ${e.importId}: ${formatCount(e.rows)} row${e.rows === 1 ? '' : 's'}, exported ${formatUtc(e.at)}\n`,
              )
              .join('');
            io.stderr.write(
              `Left ${formatCount(s.exported)} rows in the dead-letter queue that \`dlq export\` wrote to a file since they failed:\n${when}` +
                'If that file, fixed, was imported again, their leads exist now and retrying them would create them twice: remove them with `lead-importer dlq purge --import ID`. ' +
                'If it was not, retry them with --include-exported.\n',
            );
          }
          if (s.refused) {
            const listed = s.refusals
              .map((r) => `  ${r.importId} line ${r.line}: ${printable(r.reason)}\n`)
              .join('');
            const more =
              s.refused > s.refusals.length
                ? `  … and ${formatCount(s.refused - s.refusals.length)} more\n`
                : '';
            const ids = [...new Set(s.refusals.map((r) => r.importId))];
            io.stderr.write(
              `Refused ${formatCount(s.refused)} rows whose data does not pass validation; they stay in the dead-letter queue:\n${listed}${more}` +
                `Export them (${ids.map((id) => `\`lead-importer dlq export --import ${id} --out failed.csv\``).join(', ')}), fix the rows and import the file again.\n`,
            );
            return ExitCode.RowsFailed;
          }
          return s.exported ? ExitCode.RowsFailed : ExitCode.Ok;
        }
        case 'purge': {
          const { removed } = await purgeDeadLetters(ctx, { importId: importId!, errorClass, connection });
          if (json) {
            io.stdout.write(`${JSON.stringify({ importId, removed })}\n`);
            return ExitCode.Ok;
          }
          io.stdout.write(
            `Removed ${formatCount(removed)} entries from the dead-letter queue (the rows stay counted as dead-lettered).\n`,
          );
          return ExitCode.Ok;
        }
      }
    });
  },
};

function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value.`);
  return v;
}

function formatEntries(entries: DeadLetterEntry[], connection: string | undefined): string {
  if (entries.length === 0) {
    return connection === undefined
      ? 'The dead-letter queue is empty.\n'
      : `The dead-letter queue holds no rows of connection ${connection}.\n`;
  }
  // One company's table stays as it was; a CONNECTION column once another connection's rows are listed.
  const withConnection = entries.some((e) => e.connection !== DEFAULT_CONNECTION);
  const byImport = new Map<string, number>();
  for (const e of entries) byImport.set(e.importId, (byImport.get(e.importId) ?? 0) + 1);
  const rows = entries.map((e) => [
    e.importId,
    ...(withConnection ? [e.connection] : []),
    String(e.line),
    e.errorClass,
    e.httpStatus ? String(e.httpStatus) : '',
    String(e.attempts),
    oneLine(e.message, 80),
  ]);
  const totals = [...byImport].map(([id, n]) => `${id}: ${formatCount(n)}`).join(', ');
  const head = [
    'IMPORT',
    ...(withConnection ? ['CONNECTION'] : []),
    'LINE',
    'ERROR',
    'HTTP',
    'ATTEMPTS',
    'MESSAGE',
  ];
  return `${table(head, rows)}${formatCount(entries.length)} row${entries.length === 1 ? '' : 's'} (${totals})\n`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
