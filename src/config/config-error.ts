/**
 * A configuration the user must fix (an environment variable, the connections file): the CLI prints its
 * message, no stack, and exits 2. The message names the variable or the file, line, column and key, and the fix.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
