import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, CommandIO } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import { listenForStop } from '../cli/stop-signals.js';
import { loadConfig, PLANS, type Plan } from '../config/config.js';
import { startDashboard } from '../dashboard/index.js';
import { type PrivateRedis, RedisBinaryMissingError, startPrivateRedis } from '../dev/private-redis.js';
import { createLogger } from '../logging/logger.js';
import { limitsFromConfig } from '../ops/ops-context.js';
import { waitForImport } from '../producer/wait.js';
import { connectRedis, createRedis, redactRedisUrl } from '../queue/connection.js';
import { ImportLedger, type ImportRecord } from '../queue/ledger.js';
import { type SandboxState, startSandbox } from '../sandbox/index.js';
import { createLeadWorker } from '../worker/index.js';
import { workerOptionsFromArgs } from './worker.js';

/** Owner of a few rows of examples/leads.csv; the demo deactivates her before the worker starts. */
const DEPARTING_OWNER = 'dana@sandbox.example';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export const command: Command = {
  name: 'demo',
  summary: 'sandbox + worker + example import, end to end',
  help: `Usage: lead-importer demo [options]

Runs the whole pipeline on this machine, against a local Pipedrive sandbox (nothing leaves the
machine, no Pipedrive account needed):
  1. Redis: REDIS_URL if set, else a private redis-server on a free port (removed afterwards);
  2. the sandbox, with the plan's burst limits and a little network latency;
  3. \`lead-importer import examples/leads.csv --mapping examples/mapping.yaml\`: 8 rows are
     rejected with the reason, the rest enqueued;
  4. meanwhile a sales rep leaves the company (her user is deactivated in the sandbox);
  5. a worker, in this process, imports the rows; Pipedrive refuses the 4 she owns, and they
     land in the dead-letter queue;
  6. status, the dead-letter queue, a per-row report (CSV), and the dashboard until Ctrl-C.

Options:
  --exit               end when the import is done instead of keeping the dashboard open
  --file FILE          CSV to import (default: examples/leads.csv)
  --mapping FILE       mapping file (default: examples/mapping.yaml)
  --plan PLAN          lite | growth | premium | ultimate: the sandbox's and worker's burst limits
                       (default: growth, 40 requests per 2 s)
  --latency-ms N       sandbox latency per request (default: 40)
  --port N             dashboard port (default: 3000; a free port if 3000 is taken)

Exit codes: 0 the demo ran end to end (its example file has rows that are rejected on purpose),
1 unexpected failure, 2 no redis-server and no REDIS_URL.`,
  options: {
    exit: { type: 'boolean' },
    file: { type: 'string' },
    mapping: { type: 'string' },
    plan: { type: 'string' },
    'latency-ms': { type: 'string' },
    port: { type: 'string' },
  },
  async run(args, io) {
    const v = args.values;
    const file = resolve(typeof v.file === 'string' ? v.file : join(REPO_ROOT, 'examples/leads.csv'));
    const mapping = resolve(
      typeof v.mapping === 'string' ? v.mapping : join(REPO_ROOT, 'examples/mapping.yaml'),
    );
    for (const path of [file, mapping])
      if (!existsSync(path)) throw new UsageError(`${path} does not exist.`);
    const plan = (typeof v.plan === 'string' ? v.plan : 'growth') as Plan;
    if (!PLANS.includes(plan))
      throw new UsageError(`--plan must be one of ${PLANS.join(', ')}, got "${plan}".`);
    const latencyMs = v['latency-ms'] === undefined ? 40 : Number(v['latency-ms']);
    if (!Number.isFinite(latencyMs) || latencyMs < 0)
      throw new UsageError('--latency-ms must be a number ≥ 0.');
    const port = v.port === undefined ? 3000 : Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0–65535.');

    return runDemo({ file, mapping, plan, latencyMs, port, exitWhenDone: v.exit === true }, io);
  },
};

interface DemoOptions {
  file: string;
  mapping: string;
  plan: Plan;
  latencyMs: number;
  port: number;
  exitWhenDone: boolean;
}

async function runDemo(options: DemoOptions, io: CommandIO): Promise<ExitCode> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
  };
  try {
    // REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES: the Redis the user named (one URL either way, passwords and all).
    let redisUrl =
      io.env.REDIS_URL || io.env.REDIS_SENTINELS || io.env.REDIS_CLUSTER_NODES
        ? loadConfig(io.env).redisUrl
        : undefined;
    let privateRedis: PrivateRedis | undefined;
    if (redisUrl) {
      say(`Redis: ${redactRedisUrl(redisUrl)} (as configured), keys under the prefix lpi-demo`);
    } else {
      try {
        privateRedis = await startPrivateRedis();
      } catch (err) {
        if (err instanceof RedisBinaryMissingError) throw new UsageError(err.message);
        throw err;
      }
      cleanups.push(() => privateRedis!.stop());
      redisUrl = privateRedis.url;
      say(`Redis: a private redis-server at ${redisUrl} (removed when the demo ends)`);
    }

    const sandbox = await startSandbox({
      plan: options.plan,
      latencyMs: options.latencyMs,
      latencyJitterMs: 20,
    });
    cleanups.push(() => sandbox.close());
    say(`Pipedrive sandbox: ${sandbox.url} (plan ${options.plan}, ${options.latencyMs} ms latency)`);

    // Every in-process command of the demo sees the same environment, as separate processes would.
    const env: Record<string, string | undefined> = {
      ...io.env,
      REDIS_URL: redisUrl,
      REDIS_SENTINELS: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINEL_NAME: undefined,
      REDIS_SENTINEL_PASSWORD: undefined,
      REDIS_PREFIX: 'lpi-demo',
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      PIPEDRIVE_PLAN: options.plan,
      PIPEDRIVE_SEATS: '1',
      PIPEDRIVE_DAILY_TOKENS: undefined,
      PIPEDRIVE_OAUTH_CLIENT_ID: undefined,
      PIPEDRIVE_OAUTH_CLIENT_SECRET: undefined,
      PIPEDRIVE_OAUTH_REFRESH_TOKEN: undefined,
      LOG_LEVEL: io.env.LOG_LEVEL ?? 'error',
    };
    const config = loadConfig(env);
    const logger = createLogger({ level: config.logLevel, name: 'demo' });

    const dashboard = await startDashboardOnFreePort(config, options.port, logger);
    cleanups.push(() => dashboard.close());
    say(
      `Dashboard: ${dashboard.url}/ (bull-board at ${dashboard.url}/queues, metrics at ${dashboard.url}/metrics)`,
    );

    const importId = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
    const { main } = await import('../cli.js');
    const demoIo: CommandIO = { ...io, env };
    say(
      `\n$ lead-importer import ${relativeToCwd(options.file)} --mapping ${relativeToCwd(options.mapping)}`,
    );
    const importCode = await main(
      ['import', options.file, '--mapping', options.mapping, '--import-id', importId],
      demoIo,
    );
    if (importCode !== ExitCode.Ok && importCode !== ExitCode.RowsFailed) return importCode as ExitCode;

    // While the rows wait in the queue, something changes in Pipedrive that no producer can
    // foresee: a sales rep leaves. Pipedrive refuses the rows she owns; they go to the DLQ.
    if (sandbox.deactivateUser(DEPARTING_OWNER)) {
      say(`\nMeanwhile in Pipedrive: ${DEPARTING_OWNER} left the company and her user was deactivated;`);
      say('Pipedrive will refuse the rows she owns, and the worker will park them in the dead-letter queue.');
    }

    say('\n$ lead-importer worker --concurrency 4   (in this process)');
    const worker = createLeadWorker({
      ...workerOptionsFromArgs({ values: {}, positionals: [] }, env),
      concurrency: 4,
      logger,
    });
    cleanups.push(() => worker.close());
    await worker.ready;
    const redis = await connectRedis(createRedis(redisUrl, 'command'), redisUrl);
    cleanups.push(async () => redis.disconnect());
    let lastLineAt = 0;
    const record = await waitForImport(new ImportLedger(redis, config.redisPrefix), importId, {
      intervalMs: 500,
      onUpdate: (r) => {
        if (Date.now() - lastLineAt < 3000) return;
        lastLineAt = Date.now();
        say(
          `  ${r.created + r.deadLettered} of ${r.enqueued} rows done (created ${r.created}, dead-lettered ${r.deadLettered})`,
        );
      },
    });

    say(`\n$ lead-importer status ${importId}`);
    await main(['status', importId], demoIo);
    say(`\n$ lead-importer dlq list --import ${importId}`);
    await main(['dlq', 'list', '--import', importId], demoIo);

    // In a folder of its own: a fixed name in /tmp is one another user of the machine can take first.
    const reportPath = join(mkdtempSync(join(tmpdir(), 'lead-importer-demo-')), `${importId}-report.csv`);
    say(`\n$ lead-importer report ${importId} --out ${reportPath}`);
    await main(['report', importId, '--out', reportPath], demoIo);

    const pipedrive = sandbox.state();
    say(
      `\nSandbox: ${pipedrive.leads} leads (${pipedrive.notes} with a note), ${pipedrive.persons} persons, ${pipedrive.organizations} organizations; ` +
        `duplicates: ${pipedrive.duplicateLeads} leads, ${pipedrive.duplicatePersons} persons, ${pipedrive.duplicateOrganizations} organizations, ${pipedrive.duplicateNotes} notes; ` +
        `${pipedrive.tokensUsed} tokens spent, ${pipedrive.rateLimited} ${pipedrive.rateLimited === 1 ? 'request' : 'requests'} answered 429.`,
    );
    say(`Per-row report: ${reportPath}`);
    // The demo is also the check CI runs end to end (and `scripts/node-versions.sh` under each Node major): it ends in
    // failure when a row was doubled or lost, not only when a command failed.
    const wrong = demoMismatches(record, pipedrive);
    if (wrong.length > 0) {
      say(`\nSomething is wrong: ${wrong.join('; ')}. Please report it with this output.`);
      return ExitCode.Failure;
    }
    if (!options.exitWhenDone) {
      // Only while it runs: with --exit its private Redis is gone when the command ends.
      say(
        `(While the demo runs, commands against its Redis need ${privateRedis ? `REDIS_URL=${redisUrl}` : 'your Redis settings'} REDIS_PREFIX=lpi-demo.)`,
      );
      // Listened for before the line that invites it: a stop signal right after it still cleans up.
      const stop = listenForStop();
      say(`\nThe dashboard stays open at ${dashboard.url}/ — press Ctrl-C to stop the demo.`);
      await stop.received;
    }
    return ExitCode.Ok;
  } finally {
    await cleanUp();
  }
}

async function startDashboardOnFreePort(
  config: ReturnType<typeof loadConfig>,
  port: number,
  logger: ReturnType<typeof createLogger>,
) {
  const start = (p: number) =>
    startDashboard({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      limits: limitsFromConfig(config),
      port: p,
      logger,
    });
  try {
    return await start(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    return start(0);
  }
}

function relativeToCwd(path: string): string {
  const cwd = `${process.cwd()}/`;
  return path.startsWith(cwd) ? path.slice(cwd.length) : path;
}

/**
 * What the sandbox and the ledger say that must not be: a lead, person, organization or note made twice; leads in
 * Pipedrive other than those the ledger recorded as created; rows neither created, rejected, dead-lettered nor
 * cancelled.
 */
export function demoMismatches(
  record: Pick<ImportRecord, 'rows' | 'created' | 'rejected' | 'deadLettered' | 'cancelled' | 'pending'>,
  pipedrive: Pick<
    SandboxState,
    'leads' | 'duplicateLeads' | 'duplicatePersons' | 'duplicateOrganizations' | 'duplicateNotes'
  >,
): string[] {
  const wrong: string[] = [];
  const doubled = [
    ['leads', pipedrive.duplicateLeads],
    ['persons', pipedrive.duplicatePersons],
    ['organizations', pipedrive.duplicateOrganizations],
    ['notes', pipedrive.duplicateNotes],
  ].filter(([, n]) => (n as number) > 0);
  if (doubled.length > 0)
    wrong.push(`duplicates in the sandbox (${doubled.map(([k, n]) => `${n} ${k}`).join(', ')})`);
  if (pipedrive.leads !== record.created)
    wrong.push(`the sandbox holds ${pipedrive.leads} leads, the import recorded ${record.created} created`);
  const accounted = record.created + record.rejected + record.deadLettered + record.cancelled;
  if (record.pending !== 0 || accounted !== record.rows)
    wrong.push(`${record.rows} rows, ${accounted} of them accounted for, ${record.pending} pending`);
  return wrong;
}
