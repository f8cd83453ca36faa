/**
 * An error the user can fix (a bad flag, file, mapping or path): the CLI prints its message, no
 * stack, and exits 2. It lives below every layer so library code (producer, ops, csv) can throw it
 * without importing the CLI: imports flow one way, from the CLI down.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
