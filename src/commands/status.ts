import type { Command } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { loadConfig } from '../config/config.js';
import { formatStatus, formatStatusTable } from '../ops/format.js';
import { withOps } from '../ops/ops-context.js';
import { connectionFilter, getStatus, listStatuses } from '../ops/status.js';

export const command: Command = {
  name: 'status',
  summary: 'counts and state of one import (or a list of recent imports)',
  help: `Usage: lead-importer status [ID] [--json] [--limit N] [--connection NAME]

Shows one import: its state (reading, running, waiting for budget until …, blocked: reason,
paused, stalled: no worker serves its connection for 30 s, no row finished in 5 min, or the
producer stopped while reading the file (killed: no sign of it for 60 s), waiting for a re-run of
rows verify --repair put back, completed, cancelled, failed), rows = created +
rejected + dead-lettered + cancelled + pending, contacts created and reused, tokens spent,
budget left today and an ETA. Without ID, lists the most recent imports (with their
connection, once there are several companies).

Options:
  --json             print JSON (one object for an ID, an array otherwise); each has "connection"
  --limit N          how many imports to list without ID (default 20)
  --connection NAME  only imports into this connection (PIPEDRIVE_CONNECTIONS_FILE, or one removed
                     from it whose imports are stored); with ID, refuse unless the import went there

Examples:
  lead-importer status
  lead-importer status --connection acme
  lead-importer status leads-3f2a9c --json`,
  options: { json: { type: 'boolean' }, limit: { type: 'string' }, connection: { type: 'string' } },
  positionals: [0, 1],
  async run(args, io) {
    const config = loadConfig(io.env);
    const [importId] = args.positionals;
    const limit = args.values.limit === undefined ? 20 : Number(args.values.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new UsageError(`--limit must be a whole number ≥ 1, got "${String(args.values.limit)}".`);
    }
    const connectionName = typeof args.values.connection === 'string' ? args.values.connection : undefined;
    return withOps(
      config,
      async (ctx) => {
        const connection = await connectionFilter(ctx, config, connectionName);
        if (importId) {
          const status = await getStatus(ctx, importId, Date.now(), { connection, checkServed: true });
          io.stdout.write(args.values.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
        } else {
          const list = await listStatuses(ctx, limit, Date.now(), { connection, checkServed: true });
          io.stdout.write(
            args.values.json ? `${JSON.stringify(list)}\n` : formatStatusTable(list, connection),
          );
        }
        return ExitCode.Ok;
      },
      'from-workers',
    );
  },
};
