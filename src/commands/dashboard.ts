import type { Command } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { listenForStop } from '../cli/stop-signals.js';
import { insecureHttpWarning, loadConfig } from '../config/config.js';
import { plainHttpWarning } from '../dashboard/bind-policy.js';
import { startDashboard } from '../dashboard/index.js';
import { createLogger } from '../logging/logger.js';
import { limitsByConnection, limitsFromConfig } from '../ops/ops-context.js';

export const command: Command = {
  name: 'dashboard',
  summary: 'bull-board, imports page, /metrics, /healthz',
  help: `Usage: lead-importer dashboard [--port 3000] [--host 127.0.0.1] [--behind-tls]

Serves, until Ctrl-C:
  /           imports by connection: each company's state, budget burn-down and leads per
              minute as charts; each import's progress, counts, tokens, ETA (refreshes itself)
  /api/connections   the per-company figures as JSON ([?connection=NAME])
  /queues     bull-board: each connection's queue (lead-import, lead-import-NAME) and lead-import-dlq
  /metrics    Prometheus metrics, summed over every worker process (read from Redis)
  /healthz    200 when Redis answers, a worker was seen in the last 30 s and none has a
              connection down (its worker failed: connectionsDown names it), else 503

It reads PIPEDRIVE_CONNECTIONS_FILE again when the file changes (it looks at its modification
time on each request) or on SIGHUP: a connection added or removed shows without a restart. A
file that cannot be used is logged and the connections shown stay as they were.

Security: set DASHBOARD_USER and DASHBOARD_PASSWORD to require HTTP Basic auth (all but
/healthz) and to enable actions (cancel an import, retry its dead-lettered rows; pause and resume
through the API). Without them the dashboard is read-only
and listens on loopback only; a non-loopback --host is refused, and so is a password of
fewer than 12 characters there. A script acts through the API
with the header no other site's page can send: curl -u USER:PASS -X POST
-H 'X-Lead-Importer: 1' http://127.0.0.1:3000/api/pause (or resume, imports/ID/cancel,
imports/ID/dlq/retry). Beyond loopback, serve it
through TLS (an SSH tunnel or a TLS proxy): see docs/security.md. With a password on a
non-loopback --host it warns once at start that the password crosses plain HTTP, unless
--behind-tls says TLS (or the host's loopback) is the only way in.

Options:
  --port N      port to listen on (default 3000; 0 picks a free one)
  --host HOST   address to bind (default 127.0.0.1)
  --behind-tls  only a TLS proxy, a tunnel or the host's loopback reaches it (a container's
                port published on 127.0.0.1): no warning about plain HTTP`,
  options: { port: { type: 'string' }, host: { type: 'string' }, 'behind-tls': { type: 'boolean' } },
  positionals: [0, 0],
  async run(args, io) {
    const config = loadConfig(io.env);
    const port = args.values.port === undefined ? 3000 : Number(args.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be a port number (0-65535), got "${String(args.values.port)}".`);
    }
    const host = typeof args.values.host === 'string' ? args.values.host : '127.0.0.1';
    const logger = createLogger({ level: config.logLevel, name: 'dashboard' });
    const insecure = insecureHttpWarning(config);
    if (insecure) {
      const origins = [...new Set([...config.connections.values()].flatMap((c) => c.insecureHttpOrigins))];
      logger.warn({ origins }, insecure);
    }
    const { user, password } = config.dashboard;
    if (!user !== !password) {
      throw new UsageError(
        'Set both DASHBOARD_USER and DASHBOARD_PASSWORD (or neither, for a read-only dashboard on loopback).',
      );
    }
    const dashboard = await startDashboard({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      limits: limitsFromConfig(config),
      connectionLimits: limitsByConnection(config),
      connectionsFile: config.connectionsFile,
      // Names and limits only: the secrets a fresh read of the file resolves are dropped with the rest of it.
      reloadConnections: () => {
        const fresh = loadConfig(io.env);
        return { limits: limitsFromConfig(fresh), connectionLimits: limitsByConnection(fresh) };
      },
      host,
      port,
      auth: user && password ? { user, password } : undefined,
      logger,
    });
    // Every signal is listened for before the line that says it is up: whoever reads it may signal at once.
    const stop = listenForStop();
    // Node's default for SIGHUP is to exit: an operator reloading every process after editing the connections file
    // (the workers' SIGHUP) would take the dashboard down. Here it reads the file again, as the workers do.
    const onHangup = () => {
      if (!config.connectionsFile) {
        logger.info('SIGHUP: no connections file (PIPEDRIVE_CONNECTIONS_FILE) to read again');
        return;
      }
      logger.info('SIGHUP received: reading the connections file again');
      void dashboard
        .reloadConnections()
        .catch((err: unknown) => logger.error({ err }, 'SIGHUP: reload failed'));
    };
    process.on('SIGHUP', onHangup);
    const plainHttp = plainHttpWarning(host, dashboard.actionsEnabled, args.values['behind-tls'] === true);
    if (plainHttp) logger.warn({ host }, plainHttp);
    io.stdout.write(
      `Dashboard at ${dashboard.url}/ (queues at /queues, metrics at /metrics)${dashboard.actionsEnabled ? '' : ' — read-only: set DASHBOARD_USER and DASHBOARD_PASSWORD to enable actions'}. Ctrl-C to stop.\n`,
    );
    await stop.received;
    process.off('SIGHUP', onHangup);
    await dashboard.close();
    return ExitCode.Ok;
  },
};
