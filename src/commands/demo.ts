import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `demo` lands.
export const command: Command = {
  name: 'demo',
  summary: 'demo',
  help: 'lead-importer demo (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer demo is not built yet.\n');
    return ExitCode.Failure;
  },
};
