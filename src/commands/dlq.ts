import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `dlq` lands.
export const command: Command = {
  name: 'dlq',
  summary: 'dlq',
  help: 'lead-importer dlq (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer dlq is not built yet.\n');
    return ExitCode.Failure;
  },
};
