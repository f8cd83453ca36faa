import type { Command } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { loadConfig } from '../config/config.js';
import { formatCount } from '../ops/format.js';
import { withOps } from '../ops/ops-context.js';
import { writeReport } from '../ops/report.js';
import { connectionFilter } from '../ops/status.js';

export const command: Command = {
  name: 'report',
  summary: 'one line per input row: outcome and Pipedrive ids',
  help: `Usage: lead-importer report ID --out FILE.csv [--connection NAME]

Writes one line per input row, in input order (blank lines and rows whose every cell is empty,
such as ",,,,", are skipped by \`import\` and counted nowhere: not in the report, not in \`status\`):
  line, outcome (created | reverted | rejected | dead-lettered | cancelled | pending), lead_id, note_id,
  person_id, organization_id, person (created | reused), organization (created | reused), error,
followed by the row's original columns for rows that are rejected, dead-lettered or pending
(created rows keep only their ids in Redis; join on "line" with your file for the rest).
The file is UTF-8 with BOM and safe to open in Excel.

Options:
  --out FILE.csv       where to write the report (required; a regular file, replaced, or a new
                       one: not a link, a device, a FIFO or standard output)
  --connection NAME    refuse unless the import went to this connection

Example:
  lead-importer report leads-3f2a9c --out results.csv`,
  options: { out: { type: 'string' }, connection: { type: 'string' } },
  positionals: [1, 1],
  async run(args, io) {
    const config = loadConfig(io.env);
    const importId = args.positionals[0]!;
    const out = args.values.out;
    if (typeof out !== 'string' || out === '') {
      throw new UsageError('report needs --out FILE.csv: the file to write the report to.');
    }
    const connectionName = typeof args.values.connection === 'string' ? args.values.connection : undefined;
    return withOps(config, async (ctx) => {
      const connection = await connectionFilter(ctx, config, connectionName);
      const summary = await writeReport(ctx, { importId, out, connection });
      const parts = Object.entries(summary.byOutcome)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${formatCount(n)} ${k}`);
      io.stdout.write(
        `Wrote ${formatCount(summary.rows)} rows to ${out}${parts.length ? ` (${parts.join(', ')})` : ''}.\n`,
      );
      return ExitCode.Ok;
    });
  },
};
