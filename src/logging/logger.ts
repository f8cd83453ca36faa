import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino removes from every log line. Configured here, once; CSV rows are untrusted input
 * and never define redaction paths or child bindings.
 */
export const REDACT_PATHS = [
  'apiToken',
  'token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'authorization',
  'password',
  '*.apiToken',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.password',
  'headers.authorization',
  'headers["x-api-token"]',
  '*.headers.authorization',
  '*.headers["x-api-token"]',
  'req.headers.authorization',
  'req.headers["x-api-token"]',
  'config.pipedrive.apiToken',
  'config.pipedrive.oauth',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream and assert on it. */
  destination?: DestinationStream;
  /** Component name bound to every line. */
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'lead-importer',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that writes nothing, for library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
