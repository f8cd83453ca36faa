import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `resume` lands.
export const command: Command = {
  name: 'resume',
  summary: 'resume',
  help: 'lead-importer resume (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer resume is not built yet.\n');
    return ExitCode.Failure;
  },
};
