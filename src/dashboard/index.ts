import { randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/config.js';
import { type Logger, silentLogger } from '../logging/logger.js';
import { cancelImport } from '../ops/cancel.js';
import { readConnectionActivity } from '../ops/connection-activity.js';
import { pauseAll, resumeAll } from '../ops/control.js';
import { retryDeadLetters } from '../ops/dead-letters.js';
import { ImportNotFoundError } from '../ops/import-not-found-error.js';
import {
  type AccountLimits,
  type BudgetReader,
  budgetFromWorkers,
  type ConnectionsNow,
  createOpsContext,
  type OpsContext,
} from '../ops/ops-context.js';
import { getStatus, hasFinished, type StatusFilter } from '../ops/status.js';
import { connectRedis, createRedis } from '../queue/connection.js';
import { isImportId } from '../queue/names.js';
import { type BasicAuthCredentials, basicAuth } from './basic-auth.js';
import { assertSafeBinding } from './bind-policy.js';
import { bullBoardPageOffline } from './bull-board-page.js';
import { boundBullBoardPaging } from './bull-board-paging.js';
import { ConnectionsFollower, type FollowResult } from './connections-follower.js';
import { checkHealth, publicHealth } from './health.js';
import { connectionCardsHtml, renderImportDetail, renderImportsPage } from './imports-page.js';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
import { loopbackHostOnly } from './loopback-host-only.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { readImportDetail, readOverview, servesManyCompanies } from './overview.js';
import {
  answerWithin,
  cleanServerErrors,
  DASHBOARD_COMMAND_TIMEOUT_MS,
  REDIS_UNAVAILABLE_BODY,
  REQUEST_DEADLINE_MS,
  RedisNotReadyError,
  requireRedisReady,
} from './redis-outage.js';
import { ACTION_HEADER, isSameOriginWrite } from './same-origin-write.js';
import { BULL_BOARD_CSP, securityHeaders } from './security-headers.js';

export interface DashboardOptions {
  /** Redis to read; give this or `redis`. */
  redisUrl?: string;
  /** An existing connection (left open on close). */
  redis?: Redis;
  /** Redis key prefix (`REDIS_PREFIX`). */
  prefix: string;
  /** The plan's burst limit and daily budget, for ETAs: the `default` connection's. */
  limits: AccountLimits;
  /**
   * Every configured connection's limits, by name (`limitsByConnection(config)`): the connections the imports page
   * filters by and bull-board shows the queues of. @defaultValue `default` alone, with `limits`
   */
  connectionLimits?: ReadonlyMap<string, AccountLimits>;
  /** The connections file `connectionLimits` were read from (`PIPEDRIVE_CONNECTIONS_FILE`), if any: what pages name. */
  connectionsFile?: string | undefined;
  /**
   * Reads `connectionsFile` again (names and limits: `limitsFromConfig` and `limitsByConnection` of a fresh
   * `loadConfig`). With it, each request first looks whether the file changed (one `stat`) and, if so, shows the
   * connections it holds now ({@link ConnectionsFollower}). Without it, the connections are the ones given.
   */
  reloadConnections?: () => ConnectionsNow;
  /** @defaultValue `127.0.0.1` */
  host?: string;
  /** 0 picks a free port. @defaultValue 3000 */
  port?: number;
  /**
   * HTTP Basic credentials (`DASHBOARD_USER`/`DASHBOARD_PASSWORD`). Without them the dashboard
   * only listens on loopback and is read-only.
   */
  auth?: BasicAuthCredentials;
  /** Today's budget. @defaultValue what the workers publish and count in Redis ({@link budgetFromWorkers}) */
  readBudget?: BudgetReader;
  /** A worker counts as online when its heartbeat is at most this old, in ms. @defaultValue 30000 */
  workerFreshMs?: number;
  /** Failed logins allowed per client address (with `auth`). @defaultValue 10 per 60000 ms */
  loginThrottle?: LoginThrottleOptions;
  logger?: Logger;
}

export interface Dashboard {
  /** e.g. `http://127.0.0.1:3000` */
  url: string;
  /** True when state-changing actions are enabled (credentials configured). */
  actionsEnabled: boolean;
  /**
   * Reads the connections file again whatever its modification time says (SIGHUP); undefined without a file to
   * follow ({@link DashboardOptions.reloadConnections}).
   */
  reloadConnections(): Promise<FollowResult | undefined>;
  /** Stops listening and closes connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the dashboard: the imports page at `/` (and `/imports/:id`), bull-board at `/queues`,
 * Prometheus metrics at `/metrics`, a health check at `/healthz`, JSON at `/api/…`.
 *
 * Security (see docs/security.md): with `auth`, every route but `/healthz` needs HTTP Basic
 * credentials, failed logins are throttled per client address, and our state-changing requests are
 * accepted from this origin only. Without `auth` it refuses a non-loopback host
 * ({@link assertSafeBinding}), answers only loopback `Host` names (DNS rebinding) and runs read-only.
 * Both queues are read-only in bull-board either way: lead jobs mirror the import ledger, and a DLQ
 * entry is what `dlq retry` replays, so adding, editing, retrying or deleting jobs there would break
 * the row accounting or replay unchecked data — use the imports page or `lead-importer
 * pause|resume|cancel|dlq`, which keep it. Every answer carries `Cache-Control: no-store` and a CSP.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const auth = options.auth?.user && options.auth.password ? options.auth : undefined;
  assertSafeBinding(host, auth?.password);
  const log = options.logger ?? silentLogger;
  const workerFreshMs = options.workerFreshMs ?? 30_000;

  let ownedRedis: Redis | undefined;
  let redis = options.redis;
  if (!redis) {
    if (!options.redisUrl) throw new TypeError('startDashboard needs redisUrl or redis');
    // Fail fast per request (pages and /healthz answer at once when Redis is down), reconnect forever; a Redis that
    // holds the socket open and answers nothing (SIGSTOP) fails a command after DASHBOARD_COMMAND_TIMEOUT_MS.
    ownedRedis = createRedis(options.redisUrl, 'command', {
      retryStrategy: (n) => Math.min(n * 200, 2_000),
      commandTimeout: DASHBOARD_COMMAND_TIMEOUT_MS,
    });
    // One line per outage, not one per reconnect attempt.
    let down = false;
    ownedRedis.on('error', (err) => {
      if (!down) log.warn({ err }, 'Dashboard lost Redis; pages answer 503 until it is back');
      down = true;
    });
    ownedRedis.on('ready', () => {
      if (down) log.info('Dashboard reconnected to Redis');
      down = false;
    });
    redis = await connectRedis(ownedRedis, options.redisUrl);
  }
  const follower =
    options.connectionsFile && options.reloadConnections
      ? new ConnectionsFollower({
          file: options.connectionsFile,
          initial: {
            limits: options.limits,
            connectionLimits: options.connectionLimits ?? new Map([[DEFAULT_CONNECTION, options.limits]]),
          },
          load: options.reloadConnections,
          logger: log,
        })
      : undefined;
  await follower?.start();
  const ctx = createOpsContext({
    redis,
    prefix: options.prefix,
    limits: options.limits,
    ...(options.connectionLimits ? { connectionLimits: options.connectionLimits } : {}),
    ...(follower ? { liveConnections: () => follower.current() } : {}),
    readBudget: options.readBudget ?? budgetFromWorkers(redis, options.prefix),
    connectionsFile: options.connectionsFile,
  });
  let port = 0;
  const { app, showQueues } = buildApp(ctx, {
    auth,
    workerFreshMs,
    log,
    port: () => port,
    throttle: auth ? new LoginThrottle(options.loginThrottle) : undefined,
    follower,
  });

  const server = createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, host, () => resolve());
    });
  } catch (err) {
    await ctx.close().catch(() => {});
    ownedRedis?.disconnect();
    throw err;
  }
  const address = server.address() as AddressInfo;
  port = address.port;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    actionsEnabled: !!auth,
    async reloadConnections() {
      if (!follower) return undefined;
      const result = await follower.look(true);
      if (result === 'reloaded') showQueues();
      return result;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
        // BullMQ's close waits for Redis; with Redis down that would hang the shutdown.
        await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())]);
        // QUIT lets the replies still on the way arrive (disconnect would reject them, unhandled where nobody
        // waits for them any more); disconnect after 1 s in case Redis does not answer.
        if (ownedRedis) {
          await Promise.race([
            ownedRedis.quit().catch(() => {}),
            new Promise((r) => setTimeout(r, 1_000).unref()),
          ]);
          ownedRedis.disconnect();
        }
      })();
      return closing;
    },
  };
}

interface AppOptions {
  auth: BasicAuthCredentials | undefined;
  workerFreshMs: number;
  log: Logger;
  /** The port listened on (known once listening), for the `Host` check. */
  port: () => number;
  throttle: LoginThrottle | undefined;
  follower: ConnectionsFollower | undefined;
}

function buildApp(ctx: OpsContext, { auth, workerFreshMs, log, port, throttle, follower }: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders());
  // Every request is answered, in bounded time, whatever Redis does meanwhile (stopped, partitioned, restarting).
  app.use(answerWithin(REQUEST_DEADLINE_MS, log));
  if (!auth) app.use(loopbackHostOnly(port));

  // Liveness probes carry no credentials: the answer holds no names (which connections are down: /api/health).
  app.get('/healthz', async (_req, res) => {
    const health = await checkHealth(ctx, workerFreshMs);
    res.status(health.status === 'ok' ? 200 : 503).json(publicHealth(health));
  });

  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  if (auth) {
    app.use(
      basicAuth(auth, {
        throttle,
        onLockout: (client, retryAfterMs) =>
          log.warn(
            { client, retryAfterMs },
            'Too many failed dashboard logins; refusing this address for now',
          ),
      }),
    );
  }
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    // Both queues are read-only in bull-board; refuse its writes here too, whatever its own checks do.
    // Express routes ignore case (`/QUEUES` reaches bull-board): so does this check.
    const path = req.path.toLowerCase();
    if (path === '/queues' || path.startsWith('/queues/')) {
      return void res.status(403).json({
        error:
          'bull-board is read-only here: use the imports page or `lead-importer pause|resume|cancel|dlq`.',
      });
    }
    // Browsers send Basic credentials with any request to this origin: accept writes only from our own pages and from
    // clients that are not browsers (isSameOriginWrite says how it tells).
    if (!auth)
      return void res
        .status(403)
        .json({ error: 'Read-only: set DASHBOARD_USER and DASHBOARD_PASSWORD to enable actions.' });
    if (!isSameOriginWrite(req)) {
      return void res.status(403).json({
        error: `Cross-site request refused: the dashboard's actions are taken from its own pages, or from a script that sends the header ${ACTION_HEADER}: 1 (docs/security.md).`,
      });
    }
    next();
  });
  // A changed connections file is read before the request is answered (one `stat` when it has not changed).
  if (follower) {
    app.use(async (_req, _res, next) => {
      if ((await follower.look()) === 'reloaded') showQueues();
      next();
    });
  }

  // While Redis is not ready every request that reads it is answered 503 at once, bull-board's API as ours. Not
  // /api/health (it says what is down), nor bull-board's page and its files (the page then shows its API's 503).
  const redisReady = requireRedisReady(ctx.redis);
  app.use((req, res, next) => {
    const path = req.path.toLowerCase();
    const bullBoardUi =
      (path === '/queues' || path.startsWith('/queues/')) && !path.startsWith('/queues/api/');
    if (bullBoardUi || path === '/api/health') return next();
    redisReady(req, res, next);
  });

  // `:id` is the client's text, and an import's record is the key `…:imp:<id>`: an id with a `:` would name the import's
  // other keys (`x:states`), read as a record. One the producer cannot have given is not found, without asking Redis.
  app.param('id', (_req, _res, next, id: string) => {
    next(isImportId(id) ? undefined : new ImportNotFoundError(id, ctx.prefix));
  });

  const serverAdapter = new ExpressAdapter().setBasePath('/queues');
  // The configured connections' queues only (`default` alone without a connections file): a `default` queue no worker
  // serves would show empty and "No workers" beside the real ones. Listed again when the connections file changes.
  const queueAdapters = () => [
    ...ctx.connections.map(
      (connection) =>
        new BullMQAdapter(ctx.leadQueueOf(connection), {
          readOnlyMode: true,
          description: `jobs of CSV rows (up to LEAD_IMPORTER_ROWS_PER_JOB each, 10 by default)${connection === DEFAULT_CONNECTION ? '' : ` of connection ${connection}`} (read-only here: use the CLI or the imports page)`,
        }),
    ),
    new BullMQAdapter(ctx.deadLetterQueue, {
      readOnlyMode: true,
      description:
        'rows that could not be imported (read-only here: use `lead-importer dlq` or the imports page)',
    }),
  ];
  const board = createBullBoard({
    queues: queueAdapters(),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'lead-importer', miscLinks: [{ text: 'Imports', url: '/' }] } },
  });
  const showQueues = () => board.replaceQueues(queueAdapters());
  // bull-board serves from an Express app of its own, which would announce itself in X-Powered-By.
  const bullBoard = serverAdapter.getRouter() as express.Express;
  bullBoard.disable('x-powered-by');
  app.use('/queues', (_req, res, next) => {
    res.set('Content-Security-Policy', BULL_BOARD_CSP);
    next();
  });
  app.use('/queues', boundBullBoardPaging(), bullBoardPageOffline());
  app.use('/queues/api', cleanServerErrors(log));
  app.use('/queues', bullBoard);

  const registry = createMetricsRegistry(ctx, workerFreshMs);
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });

  /** `?connection=NAME`: one configured connection's imports; a name the deployment does not serve is a 400. */
  const connectionFilter = (req: Request): StatusFilter => {
    const raw = req.query.connection;
    if (raw === undefined || raw === '') return {};
    if (typeof raw !== 'string' || !ctx.connections.includes(raw)) {
      throw new UnknownConnectionError(String(raw), ctx.connections);
    }
    return { connection: raw };
  };
  // /healthz's verdict with the connections down named: which, on which worker, since when, why.
  app.get('/api/health', async (_req, res) => {
    const health = await checkHealth(ctx, workerFreshMs);
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });
  app.get('/api/imports', async (req, res) => {
    res.json(await readOverview(ctx, workerFreshMs, undefined, connectionFilter(req), fromOf(req)));
  });
  /** The connections a page or answer is about: the filtered one, or every configured one. */
  const shownConnections = (filter: StatusFilter) =>
    filter.connection === undefined ? ctx.connections : [filter.connection];
  // Per connection: state in words, today's budget burn-down and its projection, leads per minute over the hour.
  app.get('/api/connections', async (req, res) => {
    const now = Date.now();
    const connections = await readConnectionActivity(ctx, shownConnections(connectionFilter(req)), now);
    res.json({ generatedAt: now, connections });
  });
  // The same as the imports page's cards, for its refresh (markup written and escaped here, like the page).
  app.get('/fragments/connections', async (req, res) => {
    const now = Date.now();
    const activity = await readConnectionActivity(ctx, shownConnections(connectionFilter(req)), now);
    res.type('html').send(connectionCardsHtml(activity, now, servesManyCompanies(ctx.connections)));
  });
  app.get('/api/imports/:id', async (req, res) => {
    // As the page's first paint (readImportDetail) and `status`: stalled when no worker serves the import.
    res.json(await getStatus(ctx, req.params.id, Date.now(), { checkServed: true }));
  });
  app.get('/', async (req, res) => {
    const filter = connectionFilter(req);
    const [overview, activity] = await Promise.all([
      readOverview(ctx, workerFreshMs, undefined, filter, fromOf(req)),
      readConnectionActivity(ctx, shownConnections(filter)),
    ]);
    const nonce = page(res);
    res.send(renderImportsPage(overview, nonce, activity));
  });
  app.get('/imports/:id', async (req, res) => {
    const nonce = page(res);
    res.send(renderImportDetail(await readImportDetail(ctx, req.params.id), nonce, !!auth));
  });

  app.post('/api/pause', async (_req, res) => {
    await pauseAll(ctx);
    log.info('Paused from the dashboard');
    res.json({ message: 'Paused: workers start no new rows.' });
  });
  app.post('/api/resume', async (_req, res) => {
    await resumeAll(ctx);
    log.info('Resumed from the dashboard');
    res.json({ message: 'Resumed.' });
  });
  app.post('/api/imports/:id/cancel', async (req, res) => {
    const status = await getStatus(ctx, req.params.id);
    if (hasFinished(status)) {
      // Said, not answered with "Cancelled 0 rows": the page offers no Cancel here, so this is a stale page or a script.
      res.status(409).json({
        error: `Import ${status.importId} has finished (${status.state}, no row pending): there is nothing to cancel.`,
      });
      return;
    }
    const s = await cancelImport(ctx, req.params.id);
    log.info({ importId: s.importId, cancelled: s.cancelled }, 'Import cancelled from the dashboard');
    res.json({
      ...s,
      message: `Cancelled ${s.cancelled} row${s.cancelled === 1 ? '' : 's'} (${s.inFlight} in flight finish).`,
    });
  });
  app.post('/api/imports/:id/dlq/retry', async (req, res) => {
    await getStatus(ctx, req.params.id); // 404 for an unknown import, not "nothing to retry"
    const s = await retryDeadLetters(ctx, { importId: req.params.id });
    const exported = s.exported
      ? ` Left ${s.exported} that \`dlq export\` wrote to a file since they failed: if that file, fixed, was imported again, retrying them would create their leads twice (\`lead-importer dlq purge --import ${req.params.id}\` removes them; \`lead-importer dlq retry --import ${req.params.id} --include-exported\` retries them).`
      : '';
    if (s.requeued + s.stale + s.busy + s.refused === 0) {
      res.status(409).json({
        error: s.exported
          ? `Import ${req.params.id} has nothing to retry here.${exported}`
          : `Import ${req.params.id} has no dead-lettered rows in the dead-letter queue: there is nothing to retry.`,
      });
      return;
    }
    log.info(
      { importId: req.params.id, requeued: s.requeued, stale: s.stale, busy: s.busy, refused: s.refused },
      'Dead-lettered rows retried from the dashboard',
    );
    const refused = s.refused
      ? ` Refused ${s.refused} whose data does not pass validation (first: line ${s.refusals[0]?.line}: ${s.refusals[0]?.reason}); \`lead-importer dlq retry --import ${req.params.id}\` lists them.`
      : '';
    res.json({ ...s, message: `Re-queued ${s.requeued} rows.${refused}${exported}` });
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // Answered already (the request's deadline passed): what failed since has no one to tell.
    if (res.headersSent)
      return void log.debug({ err, path: req.path }, 'Dashboard request failed after its answer');
    if (err instanceof RedisNotReadyError) {
      // Said once per outage by the connection's own listener; the request is not tried.
      return void res.status(503).set('Retry-After', '5').type('json').json(REDIS_UNAVAILABLE_BODY);
    }
    if (err instanceof UnknownConnectionError) {
      res.status(400);
      if (req.path.startsWith('/api/')) return void res.json({ error: err.message });
      return void res.type('text/plain').send(`${err.message}\n`);
    }
    if (err instanceof ImportNotFoundError) {
      res.status(404);
      if (req.path.startsWith('/api/')) return void res.json({ error: err.message });
      return void res.type('text/plain').send(`${err.message}\n`);
    }
    // What the request itself got wrong, as Express says (a malformed %-escape in the path, 400): the request's fault,
    // not an outage, and nothing to log as an error. The message is a fixed one: Express's quotes the path.
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
      const error = `${STATUS_CODES[status] ?? 'Bad request'}: ${status === 400 ? 'the address is not valid (a malformed %-escape?)' : 'the request was refused'}.`;
      res.status(status);
      if (req.path.startsWith('/api/')) return void res.json({ error });
      return void res.type('text/plain').send(`${error}\n`);
    }
    log.error({ err, path: req.path }, 'Dashboard request failed');
    // A page has set text/html before its read failed: the answer is JSON, and says so.
    res.status(503).type('json').json(REDIS_UNAVAILABLE_BODY);
  });
  return { app, showQueues };
}

/** `?from=N`: the page of older imports ("show older"); anything but a whole number ≥ 0 is the newest. */
function fromOf(req: Request): number {
  const n = Number(req.query.from);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** A `?connection=` the deployment does not serve: a 400 naming the ones it does. */
class UnknownConnectionError extends Error {
  override name = 'UnknownConnectionError';
  constructor(connection: string, known: readonly string[]) {
    // The name is the client's input: JSON or plain text carries it, never HTML.
    super(`Unknown connection "${connection.slice(0, 64)}": this dashboard serves ${known.join(', ')}.`);
  }
}

/** Security headers of our HTML pages; returns the nonce the inline script must carry. */
function page(res: Response): string {
  const nonce = randomBytes(16).toString('base64');
  res.set(
    'Content-Security-Policy',
    `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
  );
  res.type('html');
  return nonce;
}
