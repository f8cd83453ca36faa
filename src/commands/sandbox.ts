import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `sandbox` lands.
export const command: Command = {
  name: 'sandbox',
  summary: 'sandbox',
  help: 'lead-importer sandbox (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer sandbox is not built yet.\n');
    return ExitCode.Failure;
  },
};
