import { UsageError } from '../errors/usage-error.js';

/** The import id names no import in this Redis (and key prefix). A usage error: exit code 2. */
export class ImportNotFoundError extends UsageError {
  override name = 'ImportNotFoundError';

  constructor(
    readonly importId: string,
    prefix: string,
  ) {
    super(
      `No import "${importId}" in Redis (key prefix "${prefix}"). Run \`lead-importer status\` to list recent imports; check REDIS_URL and REDIS_PREFIX.`,
    );
  }
}
