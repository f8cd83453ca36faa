import { type DestinationStream, type Logger, pino } from 'pino';
import { redactFields, redactionPlan, redactValue } from './redaction.js';

export type { Logger } from 'pino';

/**
 * Paths censored in every log line and child logger's bindings (src/logging/redaction.ts, pino's path syntax and
 * semantics). Configured here, once; CSV rows are untrusted input and never define redaction paths or child bindings.
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
  /**
   * Buffer stdout's lines and write them together ({@link BUFFERED_STDOUT}): for a process that logs
   * a line per row (the worker). Ignored with `destination`. @defaultValue false
   */
  buffered?: boolean;
}

/**
 * How a buffered logger writes stdout: its lines are gathered and written once at least `minLength`
 * bytes wait (≈ 8 lines of a created row), or every `periodicFlush` ms, whichever comes first; at most
 * that late, never lost on a normal exit. Unbuffered, pino's asynchronous destination writes each line
 * on its own as soon as none is being written: one `write` on libuv's thread pool per line, and a wakeup
 * of the main thread when it completes, which cost a worker ≈ 0.1–0.2 ms of CPU per row (bench/README.md,
 * scale-out). pino documents `minLength` for asynchronous logging (docs/asynchronous.md); lines still in
 * the buffer are written when the process exits: pino registers a synchronous flush on `exit` and a flush
 * on `beforeExit` for every `pino.destination({ sync: false })`, and {@link flushLogger} waits for the
 * buffer where a process stops on purpose. Only a process killed outright (SIGKILL, power loss) loses them.
 */
export const BUFFERED_STDOUT = { minLength: 4096, periodicFlush: 100 } as const;

const REDACTION = redactionPlan(REDACT_PATHS, '[redacted]');
/** pino's key for an error; its serializer's output is redacted, not the `Error` before it (whose fields are not enumerable). */
const ERROR_KEY = 'err';

export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'lead-importer',
      // Not pino's `redact` option: the same paths, at a fraction of the cost per line (see redaction.ts).
      formatters: {
        log: (fields) => redactFields(REDACTION, fields, ERROR_KEY),
        bindings: (bindings) => redactFields(REDACTION, bindings, ERROR_KEY),
      },
      serializers: {
        [ERROR_KEY]: (err: unknown) =>
          redactValue(REDACTION, ERROR_KEY, withoutCommandArgs(pino.stdSerializers.err(err as Error))),
      },
      base: { pid: process.pid },
    },
    options.destination ??
      pino.destination({ fd: 1, sync: false, ...(options.buffered ? BUFFERED_STDOUT : {}) }),
  );
  // pino applies `formatters.bindings` to the root's bindings only (a child's formatter is reset): a child's are
  // redacted here. Children are made with `Object.create(parent)`, so theirs inherit this `child` too.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactFields(REDACTION, bindings, ERROR_KEY), childOptions);
  } as typeof child;
  return logger;
}

/**
 * An ioredis error carries the command it answered, arguments included (`command: { name: 'auth', args: [password] }`
 * when Redis refuses the password: a worker logged the password of `REDIS_URL` on every reconnect). Arguments can
 * also be job data or other secrets: kept out of every error logged, its causes and the errors it gathers too.
 */
function withoutCommandArgs<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => withoutCommandArgs(v, depth + 1)) as T;
  let copy: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    let replaced: unknown = inner;
    if (key === 'command' && typeof inner === 'object' && inner !== null && 'args' in inner)
      replaced = { ...inner, args: '[redacted]' };
    else if (typeof inner === 'object' && inner !== null) replaced = withoutCommandArgs(inner, depth + 1);
    if (replaced !== inner) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = replaced;
    }
  }
  return (copy ?? value) as T;
}

/**
 * Writes what the logger's destination still buffers and resolves once it is written (pino's
 * `logger.flush(cb)`); resolves at once for a destination without a buffer, and after `timeoutMs` at the
 * latest (stdout nobody reads must not hold a stop).
 */
export function flushLogger(logger: Logger, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      logger.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** A logger that writes nothing, for library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
