import type { ParseArgsConfig } from 'node:util';
import type { ExitCode } from './exit-codes.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * One CLI command. The CLI only parses argv and maps errors to exit codes; `run` does the work
 * (usually by calling a plain function of the library with a typed options object).
 */
export interface Command {
  name: string;
  /** One line for `lead-importer --help`. */
  summary: string;
  /** The full `--help` text: usage line, options with defaults, examples. */
  help: string;
  options: OptionsConfig;
  /** Number of positionals accepted (`[min, max]`). @defaultValue [0, 0] */
  positionals?: [number, number];
  run(args: ParsedArgs, io: CommandIO): Promise<ExitCode>;
}
