import type { Command } from '../cli/command.js';
import { ExitCode } from '../cli/exit-codes.js';

// Placeholder until the issue that builds `import` lands.
export const command: Command = {
  name: 'import',
  summary: 'import',
  help: 'lead-importer import (not built yet)',
  options: {},
  positionals: [0, 10],
  async run(_args, io) {
    io.stderr.write('lead-importer import is not built yet.\n');
    return ExitCode.Failure;
  },
};
