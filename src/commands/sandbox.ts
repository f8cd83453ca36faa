import type { Command, ParsedArgs } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { listenForStop } from '../cli/stop-signals.js';
import { isLoopbackHost } from '../config/loopback-host.js';
import {
  type LeadListPagination,
  type RateLimitResetUnit,
  type SandboxAuth,
  SandboxOptionError,
  type SandboxOptions,
  type SandboxPlan,
  startSandbox,
} from '../sandbox/index.js';

const HELP = `Usage: lead-importer sandbox [options]

A local Pipedrive API in memory: the endpoints the importer uses, Pipedrive's envelopes,
validation, burst/search/daily limits and optional faults. Rehearse an import offline and
see what it would cost; tests, the demo and the benchmarks run against it.

Options:
  --port N                   port to listen on (0 = any free port)                [8787]
  --host HOST                interface to bind                                    [127.0.0.1]
  --plan PLAN                lite | growth | premium | ultimate                   [lite]
  --seats N                  seats (multiply the daily budget)                    [1]
  --auth TYPE                api_token | oauth: burst limit per 2 s (OAuth 4x)    [api_token]
  --daily-tokens N           daily token budget          [30000 x plan multiplier x seats]
  --latency-ms MS            added latency per request                            [0]
  --latency-jitter-ms MS     extra random latency in [0, MS)                      [0]
  --fault-rate P             share of requests answered 500/502/503 (0-1)         [0]
  --timeout-rate P           share of requests never answered (0-1)               [0]
  --reset-rate P             share of connections destroyed (0-1)                 [0]
  --fault-after-write-ratio P  share of faulted writes applied before the
                             response is lost (0-1)                               [0.5]
  --seed N                   seed of the fault generator (reproducible runs)      [1]
  --api-token TOKEN          API token to accept                                  [sandbox-token]
  --company-id N             company_id that /users/me reports: sandboxes standing
                             for different companies need different ids           [7654321]
  --no-limits                no burst, search or daily limits (tokens still counted)
  --search-lag-ms MS         delay before created objects become searchable       [0]
  --ratelimit-reset-unit U   seconds | milliseconds: unit of x-ratelimit-reset
                             (undocumented by Pipedrive; its example reads as s) [seconds]
  --max-ignored-429 N        429s in a row before the HTML 403 block (0 = never)  [50]
  --request-log-size N       API requests GET /_sandbox/requests keeps            [10000]
  --budget-reset-hour-utc H  UTC hour of "server midnight"                        [0]
  --oauth-client-id ID       OAuth client id for POST /oauth/token                [sandbox-client]
  --oauth-client-secret S    OAuth client secret                                  [sandbox-secret]
  --oauth-refresh-token T    refresh token the token endpoint accepts             [sandbox-refresh-token]
  --access-token-ttl-seconds N  lifetime of issued access tokens                  [3599]
  --lead-list-pagination M   flat | nested | both: GET /v1/leads pagination shape [flat]
  --no-campaigns             the company has no Campaigns: no marketing_status field,
                             and person writes that send one are refused
  --json                     print the startup line as JSON
  -h, --help                 show this help

Endpoints: v1 at /api/v1 (or /v1), v2 at /api/v2, OAuth at /oauth/token.
Control API (no auth, not rate-limited; refuses requests from other origins' web pages):
GET /_sandbox/state, GET /_sandbox/export, POST /_sandbox/reset, POST /_sandbox/new-day,
POST /_sandbox/exhaust-budget, POST /_sandbox/api-token (body {"apiToken": "…"}: the old
token is refused from then on), GET|POST /_sandbox/config, GET /_sandbox/requests.
Keep it on loopback (or a private compose network): it has no authentication.

Examples:
  lead-importer sandbox
  lead-importer sandbox --latency-ms 150 --latency-jitter-ms 100 --fault-rate 0.02 --seed 7
  PIPEDRIVE_BASE_URL=http://127.0.0.1:8787 PIPEDRIVE_API_TOKEN=sandbox-token lead-importer worker

Stop with Ctrl-C (SIGINT) or SIGTERM.`;

function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

function num(
  args: ParsedArgs,
  name: string,
  { integer = false, max }: { integer?: boolean; max?: number } = {},
) {
  const raw = str(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(n) ||
    n < 0 ||
    (integer && !Number.isInteger(n)) ||
    (max !== undefined && n > max)
  ) {
    const range = max !== undefined ? ` between 0 and ${max}` : '';
    throw new UsageError(
      `--${name} must be a non-negative ${integer ? 'integer' : 'number'}${range}, got "${raw}".`,
    );
  }
  return n;
}

function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const raw = str(args, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}".`);
  }
  return raw as T;
}

/** Turns parsed flags into sandbox options (exported for tests). */
export function sandboxOptionsFromArgs(args: ParsedArgs): SandboxOptions {
  const options: SandboxOptions = {
    port: num(args, 'port', { integer: true, max: 65_535 }) ?? 8787,
    host: str(args, 'host') ?? '127.0.0.1',
  };
  const set = <K extends keyof SandboxOptions>(key: K, value: SandboxOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('plan', oneOf<SandboxPlan>(args, 'plan', ['lite', 'growth', 'premium', 'ultimate']));
  const seats = num(args, 'seats', { integer: true });
  if (seats === 0) throw new UsageError('--seats must be at least 1.');
  set('seats', seats);
  set('auth', oneOf<SandboxAuth>(args, 'auth', ['api_token', 'oauth']));
  set('dailyTokens', num(args, 'daily-tokens', { integer: true }));
  set('latencyMs', num(args, 'latency-ms'));
  set('latencyJitterMs', num(args, 'latency-jitter-ms'));
  set('faultRate', num(args, 'fault-rate', { max: 1 }));
  set('timeoutRate', num(args, 'timeout-rate', { max: 1 }));
  set('resetRate', num(args, 'reset-rate', { max: 1 }));
  set('faultAfterWriteRatio', num(args, 'fault-after-write-ratio', { max: 1 }));
  set('seed', num(args, 'seed', { integer: true }));
  set('apiToken', str(args, 'api-token'));
  const companyId = num(args, 'company-id', { integer: true });
  if (companyId === 0) throw new UsageError('--company-id must be at least 1.');
  set('companyId', companyId);
  if (args.values['no-limits'] === true) options.limits = false;
  if (args.values['no-campaigns'] === true) options.campaigns = false;
  set('searchLagMs', num(args, 'search-lag-ms'));
  set(
    'rateLimitResetUnit',
    oneOf<RateLimitResetUnit>(args, 'ratelimit-reset-unit', ['seconds', 'milliseconds']),
  );
  set('maxIgnored429', num(args, 'max-ignored-429', { integer: true }));
  set('requestLogSize', num(args, 'request-log-size', { integer: true }));
  set('budgetResetHourUtc', num(args, 'budget-reset-hour-utc', { integer: true, max: 23 }));
  set(
    'leadListPagination',
    oneOf<LeadListPagination>(args, 'lead-list-pagination', ['flat', 'nested', 'both']),
  );
  const oauth: NonNullable<SandboxOptions['oauth']> = {};
  const clientId = str(args, 'oauth-client-id');
  const clientSecret = str(args, 'oauth-client-secret');
  const refreshToken = str(args, 'oauth-refresh-token');
  const ttl = num(args, 'access-token-ttl-seconds');
  if (clientId !== undefined) oauth.clientId = clientId;
  if (clientSecret !== undefined) oauth.clientSecret = clientSecret;
  if (refreshToken !== undefined) oauth.refreshToken = refreshToken;
  if (ttl !== undefined) oauth.accessTokenTtlSeconds = ttl;
  if (Object.keys(oauth).length > 0) options.oauth = oauth;
  return options;
}

export const command: Command = {
  name: 'sandbox',
  summary: 'a local Pipedrive API for rehearsals and tests',
  help: HELP,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    plan: { type: 'string' },
    seats: { type: 'string' },
    auth: { type: 'string' },
    'daily-tokens': { type: 'string' },
    'latency-ms': { type: 'string' },
    'latency-jitter-ms': { type: 'string' },
    'fault-rate': { type: 'string' },
    'timeout-rate': { type: 'string' },
    'reset-rate': { type: 'string' },
    'fault-after-write-ratio': { type: 'string' },
    seed: { type: 'string' },
    'api-token': { type: 'string' },
    'company-id': { type: 'string' },
    'no-limits': { type: 'boolean' },
    'no-campaigns': { type: 'boolean' },
    'search-lag-ms': { type: 'string' },
    'ratelimit-reset-unit': { type: 'string' },
    'max-ignored-429': { type: 'string' },
    'request-log-size': { type: 'string' },
    'budget-reset-hour-utc': { type: 'string' },
    'oauth-client-id': { type: 'string' },
    'oauth-client-secret': { type: 'string' },
    'oauth-refresh-token': { type: 'string' },
    'access-token-ttl-seconds': { type: 'string' },
    'lead-list-pagination': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run(args, io) {
    const options = sandboxOptionsFromArgs(args);
    let sandbox: Awaited<ReturnType<typeof startSandbox>>;
    try {
      sandbox = await startSandbox(options);
    } catch (err) {
      if (err instanceof SandboxOptionError) throw new UsageError(err.message);
      const code = (err as { code?: string }).code;
      if (code === 'EADDRINUSE') {
        throw new UsageError(`port ${options.port} on ${options.host} is in use; pick another with --port.`);
      }
      throw err;
    }
    // Before anything is printed: whoever reads "listening" may send SIGTERM at once.
    const stop = listenForStop();
    if (!isLoopbackHost(options.host ?? '127.0.0.1')) {
      // The control API has no authentication and the token is a known default: fine on this machine or a
      // private compose network, not on a network others share.
      io.stderr.write(
        `Warning: the sandbox listens on ${options.host}, reachable from other machines: its control API (/_sandbox) has no authentication and anyone there can use its API token. Use --host 127.0.0.1 unless this network is private (e.g. a compose network).\n`,
      );
    }
    const state = sandbox.state();
    const info = {
      url: sandbox.url,
      v1: `${sandbox.url}/api/v1`,
      v2: `${sandbox.url}/api/v2`,
      plan: options.plan ?? 'lite',
      seats: options.seats ?? 1,
      auth: options.auth ?? 'api_token',
      dailyTokens: state.dailyTokenLimit,
      limits: options.limits !== false,
      companyId: sandbox.companyId,
    };
    if (args.values.json === true) {
      io.stdout.write(`${JSON.stringify(info)}\n`);
    } else {
      const token = options.apiToken === undefined ? ' (API token: sandbox-token)' : '';
      io.stdout.write(
        `Pipedrive sandbox listening at ${sandbox.url}${token}\n` +
          `  plan ${info.plan}, ${info.seats} seat(s), ${info.auth}, ${info.dailyTokens} tokens/day, limits ${info.limits ? 'on' : 'off'}\n` +
          `  state: ${sandbox.url}/_sandbox/state   stop: Ctrl-C\n`,
      );
    }
    await stop.received;
    await sandbox.close();
    return ExitCode.Ok;
  },
};
