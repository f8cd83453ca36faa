import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { loadConfig } from '../config/config.js';
import { cancelImport } from '../ops/cancel.js';
import { formatCount } from '../ops/format.js';
import { withOps } from '../ops/ops-context.js';
import { connectionFilter } from '../ops/status.js';

export const command: Command = {
  name: 'cancel',
  summary: "drop an import's unprocessed rows",
  help: `Usage: lead-importer cancel ID [--json] [--connection NAME]

Cancels the import's rows that no worker has started: they are reported as cancelled, so
rows = created + rejected + dead-lettered + cancelled + pending still holds, and nothing more of
them reaches Pipedrive. A job of one row is removed from the queue; a job of several rows
(LEAD_IMPORTER_ROWS_PER_JOB, 10 by default) stays in it until a worker takes it and ends it
without a call (while the queue is paused, bull-board and /metrics still count it). Rows a
worker is processing right now finish normally. Safe to run again.

Options:
  --json               print the summary as JSON
  --connection NAME    refuse unless the import went to this connection`,
  options: { json: { type: 'boolean' }, connection: { type: 'string' } },
  positionals: [1, 1],
  async run(args, io) {
    const config = loadConfig(io.env);
    const connectionName = typeof args.values.connection === 'string' ? args.values.connection : undefined;
    return withOps(config, async (ctx) => {
      const connection = await connectionFilter(ctx, config, connectionName);
      const summary = await cancelImport(ctx, args.positionals[0]!, { connection });
      if (args.values.json) {
        io.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        io.stdout.write(
          `Cancelled ${formatCount(summary.cancelled)} rows of import ${summary.importId}.${summary.inFlight > 0 ? ` ${formatCount(summary.inFlight)} rows in flight will finish; run cancel again to catch any that retry.` : ''}\n`,
        );
      }
      return ExitCode.Ok;
    });
  },
};
