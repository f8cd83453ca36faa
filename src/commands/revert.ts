import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `revert` lands.
export const command: Command = {
  name: 'revert',
  summary: 'revert',
  help: 'lead-importer revert (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer revert is not built yet.\n');
    return ExitCode.Failure;
  },
};
