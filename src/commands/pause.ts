import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `pause` lands.
export const command: Command = {
  name: 'pause',
  summary: 'pause',
  help: 'lead-importer pause (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer pause is not built yet.\n');
    return ExitCode.Failure;
  },
};
