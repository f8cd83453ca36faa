import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `status` lands.
export const command: Command = {
  name: 'status',
  summary: 'status',
  help: 'lead-importer status (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer status is not built yet.\n');
    return ExitCode.Failure;
  },
};
