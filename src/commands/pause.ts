import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { loadConfig } from '../config/config.js';
import { pauseAll } from '../ops/control.js';
import { withOps } from '../ops/ops-context.js';

export const command: Command = {
  name: 'pause',
  summary: 'stop processing for every worker',
  help: `Usage: lead-importer pause

Stops processing on every worker at once, for every connection's queue (a budget emergency, a
Pipedrive incident). Rows in flight finish; nothing new starts until \`lead-importer resume\`.
Imports show "paused".`,
  options: {},
  positionals: [0, 0],
  async run(_args, io) {
    const config = loadConfig(io.env);
    return withOps(config, async (ctx) => {
      await pauseAll(ctx);
      io.stdout.write(
        'Paused: workers finish the rows in flight and start no new ones. Run `lead-importer resume` to continue.\n',
      );
      return ExitCode.Ok;
    });
  },
};
