import type { Redis } from 'ioredis';
import { keysFor } from '../queue/names.js';
import { parseResetUtc } from '../worker/budget-day.js';
import { BudgetGovernor } from '../worker/budget-governor.js';
import type { BudgetReader } from './ops-context.js';

export interface BudgetReaderOptions {
  redis: Redis;
  prefix: string;
  /** The company's daily tokens (`PIPEDRIVE_DAILY_TOKENS` or plan × seats). */
  dailyTokens: number;
  /** As the workers run: `--budget-reserve`. @defaultValue 0.1 */
  reserve?: number;
  /** As the workers run: `--budget-reset-utc`. @defaultValue `00:00` */
  resetUtc?: string;
  /** While no worker has written a budget yet, look again at most this often (ms). @defaultValue 60000 */
  rescanMs?: number;
}

/**
 * Reads today's budget the way the workers' governor counts it, without calling Pipedrive:
 * the budget key is per company (`{prefix}:budget:{companyKey}:{day}`) and only workers know the
 * company (from `/users/me`), so the reader finds the key once with SCAN and remembers the
 * company. Returns null until a worker has spent anything.
 */
export function createBudgetReader(options: BudgetReaderOptions): BudgetReader {
  const pattern = `${keysFor(options.prefix).budget('*', '*')}`;
  let governor: BudgetGovernor | undefined;
  let lastScanAt = Number.NEGATIVE_INFINITY;
  const rescanMs = options.rescanMs ?? 60_000;

  async function findCompany(): Promise<string | undefined> {
    const head = `${options.prefix}:budget:`;
    let best: { company: string; day: string } | undefined;
    let cursor = '0';
    do {
      const [next, keys] = await options.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const rest = key.slice(head.length);
        const cut = rest.lastIndexOf(':');
        const company = rest.slice(0, cut);
        const day = rest.slice(cut + 1);
        if (company && (!best || day > best.day)) best = { company, day };
      }
    } while (cursor !== '0');
    return best?.company;
  }

  return async () => {
    if (!governor) {
      if (Date.now() - lastScanAt < rescanMs) return null;
      lastScanAt = Date.now();
      const companyKey = await findCompany();
      if (!companyKey) return null;
      governor = new BudgetGovernor({
        redis: options.redis,
        prefix: options.prefix,
        companyKey,
        dailyTokens: options.dailyTokens,
        reserve: options.reserve ?? 0.1,
        resetOffsetMs: parseResetUtc(options.resetUtc ?? '00:00'),
      });
    }
    const s = await governor.status();
    return { limit: s.limit, left: s.exhaustedByServer ? 0 : s.left, resetsAt: s.nextResetAt };
  };
}
