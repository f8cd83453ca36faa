import type { Redis } from 'ioredis';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import type { OpsContext } from '../../src/ops/ops-context.js';
import { keysFor } from '../../src/queue/names.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { publishBudget } from '../../src/worker/budget-reader.js';
import { type SeedRow, seedImport } from '../ops/seed.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** The connections file of two companies with different budgets (a small one, and a large one with a big reserve). */
export const CONNECTIONS_YAML = `connections:
  acme:
    base_url: https://acme.example.invalid
    api_token_env: ACME_TOKEN
    daily_tokens: 20000
    budget_reserve: 0.1
  globex:
    base_url: https://globex.example.invalid
    api_token_env: GLOBEX_TOKEN
    daily_tokens: 100000
    budget_reserve: 0.2
`;

export const TWO_COMPANIES = {
  acme: {
    companyKey: 'c-acme',
    dailyTokens: 20_000,
    reserve: 0.1,
    spent: 17_000,
    tokensPerMinute: 200,
    leadsPerMinute: 10,
  },
  globex: {
    companyKey: 'c-globex',
    dailyTokens: 100_000,
    reserve: 0.2,
    spent: 5_000,
    tokensPerMinute: 20,
    leadsPerMinute: 1,
  },
} as const;

/** Minutes of recent activity each company's workers recorded (the current one included). */
export const ACTIVE_MINUTES = 20;

const pending = (tag: string, n: number): SeedRow[] =>
  Array.from({ length: n }, (_, i) => ({
    line: 2 + i,
    cells: [`${tag} ${i}`, `p${i}@${tag}.example`, tag],
    outcome: 'pending' as const,
  }));

/**
 * What two companies' workers leave in Redis: each publishes its budget and spends in it (acme 17,000 of its
 * 18,000, close to the end; globex 5,000 of 80,000), and records per minute, for the last 20 minutes, the
 * tokens and leads the metrics recorder counts (acme 200 tokens and 10 leads a minute, globex 20 and 1), the
 * rest of what they spent earlier in the day (every 10 minutes since 00:00 UTC).
 * acme has 30 rows queued and is running; globex's token was rejected (blocked) with 12 rows queued.
 */
export async function seedTwoCompanies(
  redis: Redis,
  ctx: OpsContext,
  now = Date.now(),
  /** Leads a minute other than TWO_COMPANIES' (a three-digit rate, for the charts' labels). */
  leadsPerMinute: Partial<Record<keyof typeof TWO_COMPANIES, number>> = {},
): Promise<void> {
  const prefix = ctx.prefix;
  for (const [connection, company] of Object.entries(TWO_COMPANIES)) {
    const c = {
      ...company,
      leadsPerMinute: leadsPerMinute[connection as keyof typeof TWO_COMPANIES] ?? company.leadsPerMinute,
    };
    await publishBudget(
      redis,
      prefix,
      { companyKey: c.companyKey, dailyTokens: c.dailyTokens, reserve: c.reserve, resetUtc: '00:00' },
      connection,
    );
    const governor = new BudgetGovernor({
      redis,
      prefix,
      connection,
      companyKey: c.companyKey,
      dailyTokens: c.dailyTokens,
      reserve: c.reserve,
      resetOffsetMs: 0,
    });
    const admitted = await governor.admit(c.spent);
    if (admitted.kind !== 'admitted') throw new Error(`could not spend ${c.spent} for ${connection}`);
    let clock = now;
    const recorder = new MetricsRecorder(redis, prefix, 0, () => clock);
    // The rest of the day's spending, earlier today: evenly, every 10 minutes since the budget day began.
    const dayStart = Math.floor(now / DAY) * DAY;
    const earlier: number[] = [];
    for (let t = dayStart; t < now - ACTIVE_MINUTES * MIN; t += 10 * MIN) earlier.push(t);
    const before = c.spent - ACTIVE_MINUTES * c.tokensPerMinute;
    for (const t of earlier) {
      clock = t;
      recorder
        .connection(connection)
        .recordCall('leads.create', 201, 90, Math.floor(before / earlier.length));
    }
    for (let m = ACTIVE_MINUTES - 1; m >= 0; m--) {
      clock = now - m * MIN;
      const view = recorder.connection(connection);
      view.recordCall('leads.create', 201, 90, c.tokensPerMinute);
      view.recordOutcome('created', c.leadsPerMinute);
    }
    await recorder.close();
  }
  await seedImport(ctx, 'acme-spring', pending('acme', 30), { connection: 'acme' });
  await seedImport(ctx, 'globex-fair', pending('globex', 12), { connection: 'globex' });
  await redis.hset(keysFor(prefix).connectionControl('globex'), {
    blockedReason: 'Pipedrive rejected the API token (401)',
    blockedKind: 'auth',
    blockedAt: now,
  });
}
