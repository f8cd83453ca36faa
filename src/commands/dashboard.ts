import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `dashboard` lands.
export const command: Command = {
  name: 'dashboard',
  summary: 'dashboard',
  help: 'lead-importer dashboard (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer dashboard is not built yet.\n');
    return ExitCode.Failure;
  },
};
