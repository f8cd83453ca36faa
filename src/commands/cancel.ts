import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `cancel` lands.
export const command: Command = {
  name: 'cancel',
  summary: 'cancel',
  help: 'lead-importer cancel (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer cancel is not built yet.\n');
    return ExitCode.Failure;
  },
};
