import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `worker` lands.
export const command: Command = {
  name: 'worker',
  summary: 'worker',
  help: 'lead-importer worker (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer worker is not built yet.\n');
    return ExitCode.Failure;
  },
};
