import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { loadConfig } from '../config/config.js';
import { resumeAll } from '../ops/control.js';
import { withOps } from '../ops/ops-context.js';

export const command: Command = {
  name: 'resume',
  summary: 'restart processing after `pause`',
  help: `Usage: lead-importer resume

Restarts processing on every worker after \`lead-importer pause\`. If workers blocked themselves
(e.g. Pipedrive rejected the API token), fix the cause; they resume once a call succeeds.`,
  options: {},
  positionals: [0, 0],
  async run(_args, io) {
    const config = loadConfig(io.env);
    return withOps(config, async (ctx) => {
      const flags = await resumeAll(ctx);
      io.stdout.write('Resumed: workers take new rows again.\n');
      if (flags.blockedReason) {
        io.stderr.write(
          `Note: workers report "blocked: ${flags.blockedReason}". Fix that (e.g. set a valid PIPEDRIVE_API_TOKEN and restart the workers), or they will stop again.\n`,
        );
      }
      return ExitCode.Ok;
    });
  },
};
