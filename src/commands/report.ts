import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `report` lands.
export const command: Command = {
  name: 'report',
  summary: 'report',
  help: 'lead-importer report (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer report is not built yet.\n');
    return ExitCode.Failure;
  },
};
