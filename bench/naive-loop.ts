/**
 * The import people write today, following Pipedrive's "adding a lead" tutorial with the official
 * `pipedrive` SDK: for each CSV row, one after the other, search the organization by name and
 * create it if missing, search the person by email and create it if missing, then add the lead.
 * Errors are logged and the loop goes on to the next row, as such scripts do — so a 429, a spent
 * daily budget or a 5xx loses that row. This file measures how many.
 *
 * It is the baseline of `bench/side-by-side.ts`; run alone, it starts its own sandbox:
 *
 *   npm run bench:naive                              # 2,000 rows, Growth limits, 150 ± 50 ms
 *   npm run bench:naive -- --rows 200 --no-org       # the tutorial's shortest form (person + lead)
 *   npm run bench:naive -- --search-lag-ms 2000      # searches miss what was created < 2 s ago
 *
 * Prints a table and writes bench/results/naive-loop.json.
 */
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { v1, v2 } from 'pipedrive';
import type { SandboxState } from '../src/sandbox/index.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

export interface NaiveLoopOptions {
  csvPath: string;
  /** Pipedrive base URL without `/api/v1` (e.g. the sandbox URL). */
  baseUrl: string;
  apiToken: string;
  /** Also search and create the organization (the common variant). @defaultValue true */
  withOrganization?: boolean;
  /**
   * The sandbox's control URL, used only to tell why a 429 happened (burst window or spent daily
   * budget) for the report; the loop itself never looks at it.
   */
  sandboxControlUrl?: string;
  /** Called every `progressEvery` rows. */
  onProgress?: (done: number, lost: number) => void;
  progressEvery?: number;
}

/** Why a row was lost. */
export type LossReason = 'rateLimitedBurst' | 'rateLimitedDaily' | 'blocked' | 'serverError' | 'otherError';

export interface NaiveLoopResult {
  rows: number;
  leadsCreated: number;
  rowsLost: number;
  lostBy: Record<LossReason, number>;
  /** Rows that failed after creating an organization or person: partial writes left behind. */
  partialRows: number;
  calls: Record<'searchOrganization' | 'addOrganization' | 'searchPersons' | 'addPerson' | 'addLead', number>;
  wallMs: number;
  /** Row number (1-based) of the first row lost, and of the first lost to the daily budget. */
  firstLostRow: number | null;
  firstBudgetLostRow: number | null;
}

interface CsvRow {
  Title: string;
  Name: string;
  Email: string;
  Phone: string;
  Company: string;
  Value: string;
  Currency: string;
}

/** The SDK rejects with the response body (the error envelope, or the HTML of an edge block). */
function describeRejection(err: unknown): { text: string; kind: 'rate' | 'blocked' | 'server' | 'other' } {
  if (typeof err === 'string') {
    return { text: err.slice(0, 80), kind: /<html/i.test(err) ? 'blocked' : 'other' };
  }
  const body = err as { error?: string; message?: string; status?: number; code?: string };
  const text = body.error ?? body.message ?? String(err);
  if (/over limit/i.test(text)) return { text, kind: 'rate' };
  if (/service|unavailable|internal|gateway|socket|ECONNRESET|timeout/i.test(text))
    return { text, kind: 'server' };
  return { text, kind: 'other' };
}

/** Runs the loop over the file; resolves when every row was tried once. */
export async function runNaiveLoop(options: NaiveLoopOptions): Promise<NaiveLoopResult> {
  const withOrganization = options.withOrganization ?? true;
  const c1 = new v1.Configuration({ apiKey: options.apiToken, basePath: `${options.baseUrl}/api/v1` });
  const c2 = new v2.Configuration({ apiKey: options.apiToken, basePath: `${options.baseUrl}/api/v2` });
  const leadsApi = new v1.LeadsApi(c1);
  const personsApi = new v2.PersonsApi(c2);
  const orgsApi = new v2.OrganizationsApi(c2);

  const calls: NaiveLoopResult['calls'] = {
    searchOrganization: 0,
    addOrganization: 0,
    searchPersons: 0,
    addPerson: 0,
    addLead: 0,
  };
  const lostBy: Record<LossReason, number> = {
    rateLimitedBurst: 0,
    rateLimitedDaily: 0,
    blocked: 0,
    serverError: 0,
    otherError: 0,
  };
  let rows = 0;
  let leadsCreated = 0;
  let partialRows = 0;
  let firstLostRow: number | null = null;
  let firstBudgetLostRow: number | null = null;

  const startedAt = performance.now();
  const parser = createReadStream(options.csvPath).pipe(parse({ columns: true, bom: true }));
  for await (const row of parser as AsyncIterable<CsvRow>) {
    rows++;
    let wroteSomething = false;
    // ---- what the tutorial-following script does, verbatim in spirit ----
    try {
      let orgId: number | undefined;
      if (withOrganization && row.Company) {
        calls.searchOrganization++;
        const found = await orgsApi.searchOrganization({
          term: row.Company,
          fields: 'name',
          exact_match: true,
        });
        orgId = found.data?.items?.[0]?.item?.id;
        if (!orgId) {
          calls.addOrganization++;
          const created = await orgsApi.addOrganization({ AddOrganizationRequest: { name: row.Company } });
          orgId = created.data?.id;
          wroteSomething = true;
        }
      }
      calls.searchPersons++;
      const found = await personsApi.searchPersons({ term: row.Email, fields: 'email', exact_match: true });
      let personId = found.data?.items?.[0]?.item?.id;
      if (!personId) {
        calls.addPerson++;
        const created = await personsApi.addPerson({
          AddPersonRequest: {
            name: row.Name,
            emails: [{ value: row.Email, primary: true, label: 'work' }],
            phones: row.Phone ? [{ value: row.Phone, primary: true, label: 'work' }] : [],
            ...(orgId ? { org_id: orgId } : {}),
          },
        });
        personId = created.data?.id;
        wroteSomething = true;
      }
      calls.addLead++;
      await leadsApi.addLead({
        AddLeadRequest: {
          title: row.Title,
          person_id: personId,
          ...(orgId ? { organization_id: orgId } : {}),
          value: { amount: Number(row.Value), currency: row.Currency },
        },
      });
      leadsCreated++;
    } catch (err) {
      // "console.error and carry on": the row is gone unless someone reads the log.
      const { kind } = describeRejection(err);
      let reason: LossReason =
        kind === 'blocked'
          ? 'blocked'
          : kind === 'server'
            ? 'serverError'
            : kind === 'rate'
              ? 'rateLimitedBurst'
              : 'otherError';
      if (kind === 'rate' && options.sandboxControlUrl) {
        const state = (await (
          await fetch(`${options.sandboxControlUrl}/_sandbox/state`)
        ).json()) as SandboxState;
        if (state.tokensRemaining <= 0) reason = 'rateLimitedDaily';
      }
      lostBy[reason]++;
      if (wroteSomething) partialRows++;
      firstLostRow ??= rows;
      if (reason === 'rateLimitedDaily') firstBudgetLostRow ??= rows;
    }
    if (options.onProgress && rows % (options.progressEvery ?? 100) === 0) {
      options.onProgress(rows, rows - leadsCreated);
    }
  }
  return {
    rows,
    leadsCreated,
    rowsLost: rows - leadsCreated,
    lostBy,
    partialRows,
    calls,
    wallMs: performance.now() - startedAt,
    firstLostRow,
    firstBudgetLostRow,
  };
}

/** Flags shared with side-by-side: the sandbox the baseline runs against. */
export const SANDBOX_FLAG_OPTIONS = {
  rows: { type: 'string', default: '2000' },
  plan: { type: 'string', default: 'growth' },
  'latency-ms': { type: 'string', default: '100' },
  'latency-jitter-ms': { type: 'string', default: '100' },
  'search-lag-ms': { type: 'string', default: '0' },
  seed: { type: 'string', default: '42' },
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...SANDBOX_FLAG_OPTIONS, 'no-org': { type: 'boolean', default: false } },
  });
  const rows = Number(values.rows);
  const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-'));
  const csv = await writeLeadsCsv({ path: join(dir, 'leads.csv'), rows, seed: Number(values.seed) });
  const machineBefore = machineInfo();
  const sandbox = await startSandboxProcess([
    '--plan',
    values.plan,
    '--latency-ms',
    values['latency-ms'],
    '--latency-jitter-ms',
    values['latency-jitter-ms'],
    '--search-lag-ms',
    values['search-lag-ms'],
    '--seed',
    values.seed,
  ]);
  try {
    console.error(`naive loop: ${rows} rows (${csv.persons} persons, ${csv.organizations} organizations)`);
    const result = await runNaiveLoop({
      csvPath: csv.path,
      baseUrl: sandbox.url,
      apiToken: sandbox.apiToken,
      withOrganization: !values['no-org'],
      sandboxControlUrl: sandbox.url,
      onProgress: (done, lost) => console.error(`  ${done} rows, ${lost} lost`),
    });
    const state = await sandbox.state();
    printTable('Naive loop (official SDK, sequential, log-and-continue)', [
      {
        rows: result.rows,
        leads: result.leadsCreated,
        lost: result.rowsLost,
        'wall s': result.wallMs / 1000,
        'leads/s': result.leadsCreated / (result.wallMs / 1000),
        'tokens/lead': state.tokensUsed / Math.max(1, result.leadsCreated),
        '429s': state.rateLimited,
        'dup persons': state.duplicatePersons,
        'dup orgs': state.duplicateOrganizations,
        'dup leads': state.duplicateLeads,
      },
    ]);
    console.log('rows lost by reason:', result.lostBy);
    writeResults('naive-loop', {
      machine: machineBefore,
      loadAfter: machineInfo().uptime,
      file: { rows, persons: csv.persons, organizations: csv.organizations, seed: Number(values.seed) },
      sandbox: {
        plan: values.plan,
        latencyMs: Number(values['latency-ms']),
        latencyJitterMs: Number(values['latency-jitter-ms']),
        searchLagMs: Number(values['search-lag-ms']),
      },
      withOrganization: !values['no-org'],
      result,
      sandboxState: state,
    });
  } finally {
    await sandbox.stop();
  }
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  await main();
}
