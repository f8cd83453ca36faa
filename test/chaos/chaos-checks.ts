/**
 * What a chaos run must end with, checked from every side: the ledger row by row, `status` and
 * `dlq list` as an operator sees them, the sandbox's own records (Pipedrive's truth), BullMQ's
 * queues, and every byte Redis, its AOF and the processes' logs hold (for the API token).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type CreatedOutcome, ImportLedger, type RowOutcome } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, LEAD_QUEUE } from '../../src/queue/names.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { ChaosFile, ChaosRow } from './chaos-file.js';
import type { CrashReport } from './chaos-redis.js';
import type { UnexpectedExit } from './chaos-run.js';
import { scanFilesForSecret, scanRedisForSecret } from './secret-scan.js';

export interface ChaosCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ChaosCheckInput {
  file: ChaosFile;
  importId: string;
  prefix: string;
  redis: Redis;
  sandbox: RunningSandbox;
  secret: string;
  /** The import completed before the deadline. */
  finished: boolean;
  /** stdout of `status ID --json` and `dlq list --import ID --json`. */
  statusOutput: string;
  deadLettersOutput: string;
  workerExitCodes: (number | string)[];
  logFiles: string[];
  aofFiles: string[];
  crash: CrashReport | null;
  /** `status --json`'s state while the budget was spent. */
  budgetStatusState: string | undefined;
  /** Workers that died without being killed. */
  unexpectedExits: UnexpectedExit[];
}

/** Up to five examples, for a message a person can act on. */
function examples(items: unknown[]): string {
  const shown = items.slice(0, 5).map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
  return `${shown.join('; ')}${items.length > 5 ? `; … (${items.length} in all)` : ''}`;
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

const fold = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

export async function checkChaosRun(input: ChaosCheckInput): Promise<ChaosCheck[]> {
  const { file, importId, prefix, redis, sandbox, secret } = input;
  const checks: ChaosCheck[] = [];
  const check = (name: string, problems: unknown[], okDetail: string) =>
    checks.push({ name, ok: problems.length === 0, detail: problems.length ? examples(problems) : okDetail });

  const ledger = new ImportLedger(redis, prefix);
  const record = await ledger.getImport(importId);
  const lines = file.rows.map((r) => r.line);
  const outcomes = await ledger.outcomes(importId, lines);
  const byLine = new Map<number, { row: ChaosRow; outcome: RowOutcome }>();
  for (const [i, row] of file.rows.entries()) byLine.set(row.line, { row, outcome: outcomes[i]! });
  const inState = (state: RowOutcome['state']) =>
    [...byLine.values()].filter((x) => x.outcome.state === state);

  // 1. Every row accounted for.
  const status = parseJson<Record<string, number | string>>(input.statusOutput);
  {
    const problems: unknown[] = [];
    if (!input.finished) problems.push('the import did not finish before the deadline');
    if (!record) problems.push(`no ledger record for ${importId}`);
    else {
      const { rows, created, rejected, deadLettered, cancelled, pending } = record;
      if (rows !== file.rows.length) problems.push(`ledger rows ${rows} ≠ ${file.rows.length} in the file`);
      if (created + rejected + deadLettered !== rows) {
        problems.push(
          `created ${created} + rejected ${rejected} + dead-lettered ${deadLettered} ≠ rows ${rows}`,
        );
      }
      if (cancelled !== 0) problems.push(`${cancelled} rows cancelled (nobody cancelled)`);
      if (pending !== 0) problems.push(`${pending} rows still pending`);
    }
    const open = [...byLine.values()].filter(
      (x) => !['created', 'rejected', 'dead-lettered'].includes(x.outcome.state),
    );
    if (open.length)
      problems.push(
        `rows without an outcome: ${examples(open.map((x) => `line ${x.row.line} ${x.outcome.state}`))}`,
      );
    const counted = {
      created: inState('created').length,
      rejected: inState('rejected').length,
      deadLettered: inState('dead-lettered').length,
    };
    if (record) {
      for (const [k, v] of Object.entries(counted)) {
        if (record[k as keyof typeof counted] !== v)
          problems.push(`ledger counter ${k} ${record[k as keyof typeof counted]} ≠ ${v} rows in that state`);
      }
    }
    if (!status) problems.push(`status --json printed no JSON: ${input.statusOutput.slice(0, 200)}`);
    else {
      for (const k of ['rows', 'created', 'rejected', 'deadLettered', 'pending'] as const) {
        if (record && status[k] !== record[k])
          problems.push(`status --json ${k} ${status[k]} ≠ ledger ${record[k]}`);
      }
      if (status.state !== 'completed')
        problems.push(`status --json state is "${status.state}", not completed`);
    }
    check(
      'every row accounted for',
      problems,
      `rows ${record?.rows} = created ${record?.created} + rejected ${record?.rejected} + dead-lettered ${record?.deadLettered}; status --json agrees`,
    );
  }

  // 2. The producer rejected exactly the broken rows, each with a reason.
  {
    const problems: unknown[] = [];
    for (const { row, outcome } of byLine.values()) {
      if (row.rejectBecause && outcome.state !== 'rejected')
        problems.push(`line ${row.line} (${row.rejectBecause}) is ${outcome.state}`);
      if (!row.rejectBecause && outcome.state === 'rejected')
        problems.push(`valid line ${row.line} rejected: ${outcome.reason}`);
      if (outcome.state === 'rejected' && !outcome.reason.trim())
        problems.push(`line ${row.line} rejected without a reason`);
    }
    check(
      'the broken rows, and only they, rejected with a reason',
      problems,
      `${inState('rejected').length} rejected`,
    );
  }

  // 3–4. Pipedrive holds exactly the created leads, each linked to its row's person and organization.
  const data = input.sandbox.export();
  const persons = new Map(data.persons.map((p) => [p.id, p]));
  const organizations = new Map(data.organizations.map((o) => [o.id, o]));
  const leadsById = new Map(data.leads.map((l) => [l.id, l]));
  const notesByLead = new Map<string, string[]>();
  for (const n of data.notes) {
    if (!n.lead_id) continue;
    notesByLead.set(n.lead_id, [...(notesByLead.get(n.lead_id) ?? []), n.content ?? '']);
  }
  {
    const problems: unknown[] = [];
    for (const { row, outcome } of inState('created')) {
      if (outcome.state !== 'created') continue;
      const lead = leadsById.get(outcome.leadId);
      if (!lead) {
        problems.push(`line ${row.line}: lead ${outcome.leadId} is not in Pipedrive`);
        continue;
      }
      if (lead.title !== row.title)
        problems.push(`line ${row.line}: lead ${lead.id} is titled "${lead.title}"`);
      const notes = notesByLead.get(lead.id) ?? [];
      if (row.note) {
        const own = notes.filter((n) => fold(n.replace(/<[^>]*>/g, ' ')).includes(fold(row.note!)));
        if (own.length !== 1)
          problems.push(`line ${row.line}: lead ${lead.id} has ${own.length} copies of its note`);
        if (outcome.noteId === undefined) problems.push(`line ${row.line}: no note id in the ledger`);
      }
      if (notes.length !== (row.note ? 1 : 0))
        problems.push(`line ${row.line}: lead ${lead.id} has ${notes.length} notes`);
      if (row.email) {
        const person = lead.person_id ? persons.get(lead.person_id) : undefined;
        if (!person?.emails.some((e) => e.value.toLowerCase() === row.email)) {
          problems.push(`line ${row.line}: lead's person ${lead.person_id} does not have ${row.email}`);
        }
      } else if (row.name) {
        const person = lead.person_id ? persons.get(lead.person_id) : undefined;
        if (!person || fold(person.name) !== fold(row.name))
          problems.push(`line ${row.line}: lead's person ${lead.person_id} is not ${row.name}`);
      }
      if (row.company) {
        const org = lead.organization_id ? organizations.get(lead.organization_id) : undefined;
        if (!org || fold(org.name) !== fold(row.company)) {
          problems.push(
            `line ${row.line}: lead's organization ${lead.organization_id} is not ${row.company}`,
          );
        }
      }
    }
    check(
      'every created row has its lead, with its person and organization',
      problems,
      `${inState('created').length} leads and their ${data.notes.length} notes checked in the sandbox`,
    );
  }
  {
    const problems: unknown[] = [];
    const ledgerLeads = new Map<string, number>();
    for (const { row, outcome } of inState('created'))
      if (outcome.state === 'created') ledgerLeads.set(outcome.leadId, row.line);
    for (const lead of data.leads) {
      if (!ledgerLeads.has(lead.id))
        problems.push(`lead ${lead.id} "${lead.title}" is in Pipedrive but no row owns it`);
    }
    if (data.leads.length !== ledgerLeads.size)
      problems.push(`${data.leads.length} leads in Pipedrive, ${ledgerLeads.size} created rows`);
    check(
      'Pipedrive holds no lead the ledger does not know',
      problems,
      `${data.leads.length} leads = ${ledgerLeads.size} created rows`,
    );
  }

  // 5. No duplicates: the sandbox's own counts and ours (emails, names, titles, notes).
  {
    const problems: unknown[] = [];
    const state = sandbox.state();
    for (const k of [
      'duplicateLeads',
      'duplicatePersons',
      'duplicateOrganizations',
      'duplicateNotes',
    ] as const) {
      if (state[k] !== 0) problems.push(`sandbox ${k} = ${state[k]}`);
    }
    const twice = <T>(items: T[], keyOf: (item: T) => string | undefined, what: string) => {
      const seen = new Map<string, number>();
      for (const item of items) {
        const key = keyOf(item);
        if (key !== undefined) seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      for (const [key, n] of seen) if (n > 1) problems.push(`${n} ${what} "${key}"`);
    };
    const livePersons = data.persons.filter((p) => !p.is_deleted);
    twice(livePersons, (p) => p.emails[0]?.value.toLowerCase(), 'persons with email');
    twice(
      livePersons.filter((p) => p.emails.length === 0),
      (p) => `${fold(p.name)} at ${p.org_id ?? 'none'}`,
      'persons without email named',
    );
    twice(
      data.organizations.filter((o) => !o.is_deleted),
      (o) => fold(o.name),
      'organizations named',
    );
    twice(data.leads, (l) => l.title, 'leads titled');
    check(
      'zero duplicate leads, persons, organizations and notes',
      problems,
      `${data.leads.length} leads, ${livePersons.length} persons, ${data.organizations.filter((o) => !o.is_deleted).length} organizations, ${data.notes.length} notes, no two alike`,
    );
  }

  // 5b. Every person and organization Pipedrive holds (it held none before) is one a row recorded as created, so
  // `revert --include-contacts` deletes them all; and every one a row recorded as created is there (the operator's
  // deleted organization aside). A person a killed worker created, listed into the cache before its row came back,
  // was counted as reused (2 or 3 of some 710 a run at 2,000 rows before e723e22). A row dead-lettered after its
  // contact's create was lost may leave one unrecorded; a power loss may lose what a row recorded, so there the
  // counts are only said.
  for (const [kind, held, recordedOf] of [
    ['person', data.persons, (o: CreatedOutcome) => (o.personCreated ? o.personId : undefined)],
    [
      'organization',
      data.organizations,
      (o: CreatedOutcome) => (o.organizationCreated ? o.organizationId : undefined),
    ],
  ] as const) {
    const problems: unknown[] = [];
    const live = new Set(held.filter((c) => !c.is_deleted).map((c) => c.id));
    const deletedByHand = new Set(held.filter((c) => c.is_deleted).map((c) => c.id));
    const recorded = new Set<number>();
    for (const { outcome } of inState('created')) {
      const id = outcome.state === 'created' ? recordedOf(outcome) : undefined;
      if (id !== undefined) recorded.add(id);
    }
    const unrecorded = [...live].filter((id) => !recorded.has(id));
    const missing = [...recorded].filter((id) => !live.has(id) && !deletedByHand.has(id));
    const dead = inState('dead-lettered').length;
    if (input.crash?.mode !== 'power-loss') {
      if (unrecorded.length > dead)
        problems.push(
          `${unrecorded.length} ${kind}s in Pipedrive no row recorded as created (${dead} rows dead-lettered): ${examples(unrecorded)}`,
        );
      if (missing.length)
        problems.push(`${kind}s recorded as created but not in Pipedrive: ${examples(missing)}`);
    }
    check(
      `every ${kind} in Pipedrive is one the import recorded as created`,
      problems,
      `${live.size} ${kind}s, ${recorded.size} recorded as created${unrecorded.length ? ` (${unrecorded.length} not, ${dead} rows dead-lettered)` : ''}${deletedByHand.size ? `, ${deletedByHand.size} deleted by hand` : ''}`,
    );
  }

  // 6. Every dead-lettered row has a reason, in the ledger and in the dead-letter queue.
  {
    const problems: unknown[] = [];
    const entries = parseJson<{ line: number; message: string; errorClass: string }[]>(
      input.deadLettersOutput,
    );
    if (!entries) problems.push(`dlq list --json printed no JSON: ${input.deadLettersOutput.slice(0, 200)}`);
    const byEntry = new Map((entries ?? []).map((e) => [e.line, e]));
    const dead = inState('dead-lettered');
    for (const { row, outcome } of dead) {
      if (outcome.state !== 'dead-lettered') continue;
      if (!outcome.message.trim()) problems.push(`line ${row.line}: no reason in the ledger`);
      const entry = byEntry.get(row.line);
      if (!entry) problems.push(`line ${row.line}: dead-lettered but not in the dead-letter queue`);
      else if (!entry.message.trim()) problems.push(`line ${row.line}: dead-letter entry without a message`);
    }
    for (const entry of entries ?? []) {
      if (byLine.get(entry.line)?.outcome.state !== 'dead-lettered')
        problems.push(
          `dead-letter entry for line ${entry.line}, which is ${byLine.get(entry.line)?.outcome.state}`,
        );
    }
    check(
      'every dead-lettered row has a reason',
      problems,
      `${dead.length} dead-lettered, each with a reason and a DLQ entry`,
    );
  }

  // 7. No job left behind in BullMQ.
  {
    const problems: unknown[] = [];
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });
    try {
      const counts = await queue.getJobCounts(
        'active',
        'wait',
        'delayed',
        'paused',
        'prioritized',
        'waiting-children',
      );
      for (const [k, v] of Object.entries(counts)) if (v !== 0) problems.push(`${v} jobs ${k}`);
      const stalled = await redis.scard(queue.keys.stalled!);
      if (stalled !== 0) problems.push(`${stalled} jobs in the stalled set`);
      const failed = await queue.getFailed(0, -1);
      for (const job of failed) {
        const line = Number(job.id?.split('-').at(-1));
        if (byLine.get(line)?.outcome.state !== 'dead-lettered')
          problems.push(`failed job ${job.id} whose row is ${byLine.get(line)?.outcome.state}`);
      }
      const dlqCount = await dlq.count();
      if (dlqCount !== inState('dead-lettered').length)
        problems.push(`${dlqCount} DLQ jobs for ${inState('dead-lettered').length} dead-lettered rows`);
      check(
        'no job stuck in active, waiting, delayed or stalled',
        problems,
        `queue empty; ${failed.length} failed jobs, all dead-lettered rows`,
      );
    } finally {
      await Promise.all([queue.close(), dlq.close()]);
    }
  }

  // 8. The API token nowhere: Redis keys and values, the AOF on disk, every process's output.
  {
    const inRedis = await scanRedisForSecret(redis, secret);
    const inAof = scanFilesForSecret(input.aofFiles, secret);
    const inLogs = scanFilesForSecret(input.logFiles, secret);
    const problems = [...inRedis.found, ...inAof.found, ...inLogs.found];
    if (inRedis.scanned === 0) problems.push('Redis held no keys at all: the scan proves nothing');
    if (inLogs.scanned === 0) problems.push('no log files to scan');
    check(
      'the API token absent from Redis, the AOF and all logs',
      problems,
      `${inRedis.scanned} keys, ${inAof.scanned} AOF files, ${inLogs.scanned} log files scanned`,
    );
  }

  // 9. Workers die only when killed, and shut down cleanly at the end.
  check(
    'no worker died by itself',
    input.unexpectedExits.map((e) => `${e.worker} exited with ${e.code}: ${e.lastError} (${e.log})`),
    'every worker exit was a SIGKILL of ours',
  );
  check(
    'workers exit 0 on SIGTERM',
    input.workerExitCodes.flatMap((c, i) => (c === 0 ? [] : [`worker${i} exited with ${c}`])),
    `${input.workerExitCodes.length} workers exited 0`,
  );

  // 10. The budget expiry was visible to an operator.
  check(
    'status says waiting-for-budget while the budget is spent',
    input.budgetStatusState === undefined
      ? ['the budget never expired during the run']
      : input.budgetStatusState === 'waiting-for-budget'
        ? []
        : [`status said "${input.budgetStatusState}"`],
    'status --json: waiting-for-budget',
  );

  // 11. A killed redis-server loses nothing it acknowledged (a power loss may; the checks above
  // say whether the importer recovered from that).
  if (input.crash) {
    const { crash } = input;
    check(
      'Redis crash: acknowledged writes survived',
      crash.mode === 'kill' && crash.lostAcknowledgedWrites > 0
        ? [`${crash.lostAcknowledgedWrites} acknowledged writes lost to a SIGKILL`]
        : [],
      crash.mode === 'kill'
        ? 'all acknowledged probe writes were there after the restart'
        : `power loss: ${crash.lostAcknowledgedWrites} acknowledged probe writes lost (${crash.truncatedBytes} AOF bytes), as everysec allows`,
    );
  } else {
    check('Redis crash: acknowledged writes survived', ['Redis never crashed during the run'], '');
  }
  return checks;
}
