import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { UsageError } from '../../src/errors/usage-error.js';
import { reimportCommand } from '../../src/ops/format.js';
import { MappingError } from '../../src/producer/errors.js';
import { type ImportCsvOptions, importCsv } from '../../src/producer/import-csv.js';
import { RedisUnavailableError } from '../../src/queue/connection.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  CHANNEL_OPTIONS,
  CUSTOM_FIELD_KEYS,
  INDUSTRY_OPTIONS,
  LEAD_LABEL_IDS,
  SEGMENT_OPTIONS,
} from '../../src/sandbox/seed.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
const fixture = (name: string) => join(import.meta.dirname, '../fixtures/csv', name);
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

/** A fresh prefix (so a fresh queue and ledger) and the options to import into it. */
function setup(extra: Record<string, string> = {}) {
  const prefix = uniquePrefix('imp');
  const config = loadConfig({
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandbox.url,
    PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    ...extra,
  });
  // Created on first use: a Queue writes its meta key, and a dry run must leave the prefix empty.
  let created: Queue<LeadQueueJobData> | undefined;
  const queue = () => {
    created ??= new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
    return created;
  };
  const ledger = new ImportLedger(redis, prefix);
  const run = (file: string, options: Partial<ImportCsvOptions> = {}) =>
    importCsv({ file, config, redis, ...options });
  /** Each enqueued row, by line, with the job that holds it: its own, or its chunk (10 rows per job by default). */
  const jobs = async () =>
    (await queue().getJobs(['prioritized'], 0, -1))
      .flatMap((job) =>
        (isChunkJobData(job.data) ? job.data.rows : [job.data]).map((data) => ({ job, data })),
      )
      .sort((a, b) => a.data.line - b.data.line);
  return { prefix, config, queue, ledger, run, jobs };
}

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lpi-import-')), name);
  writeFileSync(path, content);
  return path;
}

describe('importCsv', () => {
  it('with one row per job, enqueues one job per valid row holding the normalised row, the original cells and the line', async () => {
    // LEAD_IMPORTER_ROWS_PER_JOB=1 on purpose: it pins the single-row job (id import-line, name lead, its attempts).
    const { run, jobs } = setup({ LEAD_IMPORTER_ROWS_PER_JOB: '1' });
    const summary = await run(fixture('header-variants.csv'));
    expect(summary).toMatchObject({ rows: 1, valid: 1, enqueued: 1, rejected: 0, alreadyImported: 0 });
    const [job] = await jobs();
    expect(job?.job.id).toBe(`${summary.importId}-2`);
    expect(job?.job.name).toBe('lead');
    expect(job?.job.opts.attempts).toBe(8);
    expect(job?.data).toEqual({
      v: 1,
      importId: summary.importId,
      line: 2,
      // The first valid row: its turn makes its queue priority.
      turn: 1,
      lead: {
        title: 'Compiler deal',
        value: { amount: 1000, currency: 'USD' },
        expected_close_date: '1985-01-01',
      },
      // The "Mobile" column gives a phone labelled mobile.
      person: {
        name: 'Grace Hopper',
        email: 'grace@navy.mil',
        phone: '+1 555 0100',
        phones: [{ value: '+1 555 0100', label: 'mobile' }],
      },
      organization: { name: 'US Navy' },
      cells: [
        'Grace Hopper',
        'GRACE@Navy.MIL ',
        'US Navy',
        '$1,000',
        'USD',
        '1985-01-01',
        'Compiler deal',
        '+1 555 0100',
      ],
    });
  });

  it('records every rejected row in the ledger with its line, column, reason and cells, and enqueues only the others', async () => {
    const { run, jobs, ledger } = setup();
    const summary = await run(fixture('contacts.csv'));
    expect(summary).toMatchObject({ rows: 6, valid: 3, enqueued: 3, rejected: 3 });
    expect(summary).not.toHaveProperty('distinctEmails');
    expect(
      (await jobs()).map((j) => [
        j.data.line,
        j.data.person?.name,
        j.data.organization?.name,
        j.data.lead.title,
      ]),
    ).toEqual([
      [2, 'Ann Lee', undefined, 'Ann Lee lead'],
      [3, undefined, 'Lonely Org Ltd', 'Lonely Org Ltd lead'],
      [6, 'carol@example.com', undefined, 'carol@example.com lead'],
    ]);
    expect(summary.firstRejects).toEqual([
      {
        line: 4,
        reason:
          'has no person (name or email) and no organization; fill in at least one of "First name", "Email", "Company"',
      },
      { line: 5, column: 'Email', reason: '"bob@" is not an email address; fix the cell or clear it' },
      {
        line: 7,
        column: 'Email',
        reason: '"d2@" is not an email address; fix the cell or clear it',
      },
    ]);
    const outcomes = await ledger.outcomes(summary.importId, [2, 4, 5]);
    expect(outcomes).toEqual([
      { state: 'pending' },
      { state: 'rejected', column: undefined, reason: summary.firstRejects[0]?.reason },
      { state: 'rejected', column: 'Email', reason: summary.firstRejects[1]?.reason },
    ]);
    expect(await ledger.rejectedCells(summary.importId, [5])).toEqual([
      ['Bob', 'Bad', 'bob@', 'Bad Email Inc', ''],
    ]);
    expect(await ledger.getImport(summary.importId)).toMatchObject({
      rows: 6,
      enqueued: 3,
      rejected: 3,
      pending: 3,
      state: 'enqueued',
      header: ['First name', 'Last name', 'Email', 'Company', 'Phone'],
      distinctPersons: 2,
      distinctOrganizations: 1,
    });
  });

  it('rejects malformed lines with their numbers and imports the lines around them', async () => {
    const { run, jobs } = setup();
    const summary = await run(fixture('malformed.csv'));
    expect(summary.firstRejects.map((r) => r.line)).toEqual([3, 4, 5, 7]);
    expect((await jobs()).map((j) => j.data.line)).toEqual([2, 6, 8, 9]);
  });

  it('enqueues nothing new when the same file is imported again, and says the rows were already imported', async () => {
    const { run, jobs, ledger } = setup();
    const first = await run(fixture('quoted.csv'));
    const second = await run(fixture('quoted.csv'));
    expect(second.importId).toBe(first.importId);
    expect(first).toMatchObject({ enqueued: 4, alreadyImported: 0 });
    expect(second).toMatchObject({ rows: 4, enqueued: 0, alreadyImported: 4, requeued: 0 });
    expect(await jobs()).toHaveLength(4);
    expect(await ledger.getImport(first.importId)).toMatchObject({
      enqueued: 4,
      alreadyImported: 4,
      pending: 4,
    });
  });

  it('gives a different mapping a different import id', async () => {
    const { run } = setup();
    const a = await run(fixture('quoted.csv'));
    const b = await run(fixture('quoted.csv'), { titleTemplate: '{organization} – {name}' });
    expect(b.importId).not.toBe(a.importId);
    expect(b.enqueued).toBe(4);
  });

  it('at the default of 10 rows per job, puts consecutive valid rows in chunk jobs, the last one short', async () => {
    const { run, jobs, ledger, config } = setup();
    expect(config.rowsPerJob).toBe(10);
    const lines = Array.from({ length: 24 }, (_, i) =>
      // The sixth row's email is not one: rejected, so it takes no turn and no place in a chunk.
      i === 5 ? 'Bad Email,not-an-email,Nobody Ltd' : `Person ${i},p${i}@example.com,Company ${i}`,
    );
    const summary = await run(tempFile('chunks.csv', ['Name,Email,Company', ...lines].join('\n')));
    expect(summary).toMatchObject({ rows: 24, valid: 23, enqueued: 23, rejected: 1 });
    const rows = await jobs();
    const byJob = new Map<string, number[]>();
    for (const { job, data } of rows)
      byJob.set(job.id as string, [...(byJob.get(job.id as string) ?? []), data.line]);
    const valid = rows.map((r) => r.data.line);
    expect(valid).not.toContain(7);
    expect([...byJob]).toEqual([
      [`${summary.importId}-c0`, valid.slice(0, 10)],
      [`${summary.importId}-c1`, valid.slice(10, 20)],
      [`${summary.importId}-c2`, valid.slice(20)],
    ]);
    expect(rows.every(({ job }) => job.name === 'leads')).toBe(true);
    expect((await ledger.getImport(summary.importId))?.rowsPerJob).toBe(10);
  });

  it('makes a 4-row import at the default one short chunk, and a re-run adds nothing', async () => {
    const { run, jobs, ledger } = setup();
    const first = await run(fixture('quoted.csv'));
    const second = await run(fixture('quoted.csv'));
    expect(second).toMatchObject({ rows: 4, enqueued: 0, alreadyImported: 4, requeued: 0 });
    const rows = await jobs();
    expect(rows.map(({ job, data }) => [job.id, data.line])).toEqual(
      [2, 4, 9, 10].map((line) => [`${first.importId}-c0`, line]),
    );
    expect(await ledger.getImport(first.importId)).toMatchObject({ enqueued: 4, pending: 4 });
  });

  it('re-adds the rows of a lost chunk as single-row jobs, and never a row that is already done', async () => {
    const { run, jobs, queue, ledger } = setup();
    const first = await run(fixture('quoted.csv'));
    // As if the producer died between marking the chunk's lines in the ledger and adding it; line 9 was created
    // meanwhile (by a single-row job split out of the chunk, say).
    await queue().remove(`${first.importId}-c0`);
    await ledger.recordCreated(first.importId, 9, { leadId: 'lead-9' });
    const second = await run(fixture('quoted.csv'));
    expect(second).toMatchObject({
      enqueued: 0,
      alreadyImported: 4,
      requeued: 3,
      // Line 9 is created; the three others only queued (their jobs re-added).
      alreadyQueued: 3,
      alreadyFinished: 1,
    });
    expect((await jobs()).map(({ job, data }) => [job.id, job.name, data.line, data.cpKey])).toEqual(
      [2, 4, 10].map((line) => [`${first.importId}-${line}`, 'lead', line, 1]),
    );
    expect(await ledger.getImport(first.importId)).toMatchObject({ enqueued: 4, created: 1, pending: 3 });
  });

  it('with one row per job, re-adds a row whose job was lost after the ledger marked it, and never a row that is already done', async () => {
    // LEAD_IMPORTER_ROWS_PER_JOB=1 on purpose: it pins the re-run's check of each row's own import-line job.
    const { run, jobs, queue, ledger } = setup({ LEAD_IMPORTER_ROWS_PER_JOB: '1' });
    const first = await run(fixture('quoted.csv'));
    // As if the producer died between marking lines 2 and 4 in the ledger and adding their jobs;
    // line 9 was created by a worker and its job removed on completion.
    await queue().remove(`${first.importId}-2`);
    await queue().remove(`${first.importId}-4`);
    await ledger.recordCreated(first.importId, 9, { leadId: 'lead-9' });
    await queue().remove(`${first.importId}-9`);
    const second = await run(fixture('quoted.csv'));
    expect(second).toMatchObject({
      enqueued: 0,
      alreadyImported: 4,
      requeued: 2,
      alreadyQueued: 3,
      alreadyFinished: 1,
    });
    expect((await jobs()).map((j) => j.data.line)).toEqual([2, 4, 10]);
    expect(await ledger.rowStates(first.importId, [2, 4, 9, 10])).toEqual([
      RowState.Pending,
      RowState.Pending,
      RowState.Created,
      RowState.Pending,
    ]);
    expect(await ledger.getImport(first.importId)).toMatchObject({ enqueued: 4, created: 1, pending: 3 });
  });

  it('resolves labels, owner, channel, currency and custom fields by their Pipedrive names', async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'rich.csv',
      [
        'Contact,E-mail,Company,Amount,Tags,Owner,Source,Score,Tier,Site,Follow up,Budget,Seen,Visibility',
        'Ann Lee,ann@example.com,Acme,"1.500,00",Hot; Warm,olivia@sandbox.example,Referral,87.5,Enterprise,acme.example,2025-06-01,EUR 2 000,yes,company',
        'Bo Chen,bo@example.com,Bobco,99,Cold,nobody@example.com,Carrier pigeon,x,Huge,,,,,',
      ].join('\n'),
    );
    const summary = await run(file, {
      mapping: {
        lead: { value: 'Amount', channel: 'Source', was_seen: 'Seen' },
        person: { name: 'Contact' },
        custom_fields: {
          'Lead score': 'Score',
          Segment: 'Tier',
          Website: 'Site',
          'follow-up date': { column: 'Follow up' },
          [CUSTOM_FIELD_KEYS.budget]: 'Budget',
        },
        defaults: { currency: 'EUR', labels: ['Cold'] },
      },
    });
    expect(summary).toMatchObject({ valid: 1, rejected: 1 });
    const [job] = await jobs();
    expect(job?.data.lead).toEqual({
      title: 'Acme lead',
      value: { amount: 1500, currency: 'EUR' },
      owner_id: 2,
      label_ids: [LEAD_LABEL_IDS.cold, LEAD_LABEL_IDS.hot, LEAD_LABEL_IDS.warm],
      visible_to: '3',
      was_seen: true,
      channel: CHANNEL_OPTIONS.find((c) => c.label === 'Referral')?.id,
      custom_fields: {
        [CUSTOM_FIELD_KEYS.leadScore]: 87.5,
        [CUSTOM_FIELD_KEYS.segment]: SEGMENT_OPTIONS.find((o) => o.label === 'Enterprise')?.id,
        [CUSTOM_FIELD_KEYS.website]: 'acme.example',
        [CUSTOM_FIELD_KEYS.followUpDate]: '2025-06-01',
        [CUSTOM_FIELD_KEYS.budget]: 2000,
        [`${CUSTOM_FIELD_KEYS.budget}_currency`]: 'EUR',
      },
    });
    expect(job?.data.person).toEqual({
      name: 'Ann Lee',
      email: 'ann@example.com',
      owner_id: 2,
      visible_to: 3,
    });
    expect(job?.data.organization).toEqual({ name: 'Acme', owner_id: 2, visible_to: 3 });
    const reason = summary.firstRejects[0]?.reason ?? '';
    expect(summary.firstRejects[0]).toMatchObject({ line: 3, column: 'Owner' });
    expect(reason).toContain('"nobody@example.com" is not an active Pipedrive user');
    expect(reason).toContain(
      'column "Source": "Carrier pigeon" is not one of the company\'s marketing channels',
    );
    expect(reason).toContain('column "Score": "x" is not a number');
    expect(reason).toContain(
      'column "Tier": "Huge" is not an option of "Segment" (options: SMB, Mid-market, Enterprise)',
    );
  });

  it('matches industries as CRMs write them, and imports a row whose industry is not an option with the value in its note', async () => {
    const { run, jobs } = setup();
    const industryId = (label: string) => INDUSTRY_OPTIONS.find((o) => o.label === label)?.id;
    const file = tempFile(
      'industries.csv',
      [
        'Name,Company,Industry,Notes',
        // HubSpot's internal value, HubSpot's label, Apollo's lower case, Salesforce's picklist.
        'Ann Lee,Acme,COMPUTER_SOFTWARE,',
        'Bo Chen,Bobco,Logistics and Supply Chain,',
        'Cy Diaz,Cyco,machinery,',
        'Di Eng,Dico,Technology,',
        // LinkedIn's and Apollo's names the account has no option for.
        'Ed Fox,Edco,IT Services and IT Consulting,Met at the fair',
        'Flo Gil,Floco,information technology & services,',
        'Gus Ho,Gusco,IT Services and IT Consulting,',
      ].join('\n'),
    );
    const summary = await run(file, {
      mapping: {
        person: { name: 'Name' },
        organization: { name: 'Company', industry: 'Industry' },
        lead: { note: 'Notes' },
      },
    });
    expect(summary).toMatchObject({ rows: 7, valid: 7, rejected: 0 });
    const byName = new Map((await jobs()).map((j) => [j.data.person?.name, j.data]));
    expect(byName.get('Ann Lee')?.organization?.industry).toBe(industryId('Computer software'));
    expect(byName.get('Bo Chen')?.organization?.industry).toBe(industryId('Logistics & supply chain'));
    expect(byName.get('Cy Diaz')?.organization?.industry).toBe(industryId('Machinery'));
    expect(byName.get('Di Eng')?.organization?.industry).toBe(industryId('Technology'));
    expect(byName.get('Ann Lee')?.note).toBeUndefined();
    expect(byName.get('Ed Fox')?.organization).toEqual({ name: 'Edco' });
    expect(byName.get('Ed Fox')?.note).toBe('Met at the fair<br><br>Industry: IT Services and IT Consulting');
    expect(byName.get('Flo Gil')?.note).toBe('Industry: information technology &amp; services');
    expect(summary.warnings).toEqual([
      `2 rows (lines 6, 8): column "Industry" has "IT Services and IT Consulting", none of the account's industries: the row is imported without an industry and the value is kept in the lead's note (add the option in Pipedrive to have it set).`,
      `1 row (line 7): column "Industry" has "information technology & services", none of the account's industries: the row is imported without an industry and the value is kept in the lead's note (add the option in Pipedrive to have it set).`,
    ]);
  });

  it('keeps a column whose field the account lacks in the note under its name (marketing status without Campaigns)', async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'consent.csv',
      [
        'First name,Last name,Email,Marketing status,Notes',
        'Ann,Lee,ann@lee.example.com,No consent,Met at the fair',
        'Bo,Chen,bo@chen.example.com,Subscribed,',
        'Cy,Diaz,cy@diaz.example.com,,',
      ].join('\n'),
    );
    sandbox.configure({ campaigns: false });
    try {
      const summary = await run(file);
      expect(summary).toMatchObject({ rows: 3, valid: 3, rejected: 0 });
      const byName = new Map((await jobs()).map((j) => [j.data.person?.name, j.data]));
      // An opt-out was dropped without a word: the person's consent is the one thing an import must not lose.
      expect(byName.get('Ann Lee')?.note).toBe('Met at the fair<br><br>Marketing status: No consent');
      expect(byName.get('Ann Lee')?.person).not.toHaveProperty('marketing_status');
      // The only value of the note keeps the column's name.
      expect(byName.get('Bo Chen')?.note).toBe('Marketing status: Subscribed');
      expect(byName.get('Cy Diaz')?.note).toBeUndefined();
      expect(summary.warnings).toEqual([
        `2 rows (lines 2, 3): column "Marketing status" has a value, but this Pipedrive account has no marketing status field (it comes with Campaigns): it is kept in the lead's note.`,
      ]);
      const column = summary.mapping.columns.find((m) => m.column === 'Marketing status');
      expect(column?.field).toBe('lead.note');
      expect(column?.reason).toMatch(
        /has no marketing status field \(it comes with Campaigns\), so its values go into the lead's note$/,
      );
      expect(summary.mapping.notImported.map((c) => c.column)).not.toContain('Marketing status');
    } finally {
      sandbox.configure({ campaigns: true });
    }
  });

  it('imports a company size given as a range without it, the range kept in the note; reads LinkedIn’s sizes', async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'sizes.csv',
      [
        'Name,Company,Company Size',
        // LinkedIn Sales Navigator's and Apollo's ways of writing a size.
        'Ann Lee,Acme,11-50',
        'Bo Chen,Bobco,"1,001-5,000 employees"',
        'Cy Diaz,Cyco,"10,001+ employees"',
        'Di Eng,Dico,Self-employed',
        'Ed Fox,Edco,250',
        'Flo Gil,Floco,about fifty',
        // Hunter's buckets, and Snov.io's one-person company.
        'Gus Ho,Gusco,251-1K',
        'Hal Ito,Halco,1K-5K',
        'Ida Jo,Idaco,100K+',
        'Jo Kim,Joco,Self',
        'Kit Lo,Kitco,10 to 50',
      ].join('\n'),
    );
    const summary = await run(file);
    // A value that is no number at all is still the file's mistake to fix.
    expect(summary).toMatchObject({ rows: 11, valid: 10, rejected: 1 });
    expect(summary.firstRejects[0]).toMatchObject({ line: 7, column: 'Company Size' });
    const byName = new Map((await jobs()).map((j) => [j.data.person?.name, j.data]));
    expect(byName.get('Ann Lee')?.organization).toEqual({ name: 'Acme' });
    expect(byName.get('Ann Lee')?.note).toBe('Company Size: 11-50');
    expect(byName.get('Bo Chen')?.note).toBe('Company Size: 1,001-5,000 employees');
    expect(byName.get('Cy Diaz')?.organization?.employee_count).toBe(10001);
    expect(byName.get('Di Eng')?.organization?.employee_count).toBe(1);
    expect(byName.get('Ed Fox')?.organization?.employee_count).toBe(250);
    expect(byName.get('Ed Fox')?.note).toBeUndefined();
    expect(byName.get('Gus Ho')?.note).toBe('Company Size: 251-1K');
    expect(byName.get('Hal Ito')?.note).toBe('Company Size: 1K-5K');
    expect(byName.get('Ida Jo')?.organization?.employee_count).toBe(100000);
    expect(byName.get('Jo Kim')?.organization?.employee_count).toBe(1);
    expect(byName.get('Kit Lo')?.note).toBe('Company Size: 10 to 50');
    const range = (line: number, value: string) =>
      `1 row (line ${line}): column "Company Size" has "${value}", a range: Pipedrive keeps one number of employees, so the row is imported without it and the range is kept in the lead's note (write one number in the file to have it set).`;
    expect(summary.warnings).toEqual([
      range(2, '11-50'),
      range(3, '1,001-5,000 employees'),
      range(8, '251-1K'),
      range(9, '1K-5K'),
      range(12, '10 to 50'),
    ]);
  });

  it('refuses to go on with an import under another mapping (a re-run without its --mapping), naming what differs', async () => {
    const { run, jobs, ledger } = setup();
    const file = tempFile(
      'remap.csv',
      ['Name,Email,Company,Topic', 'Ann Lee,ann@lee.example.com,Lee Ltd,Data migration', ''].join('\n'),
    );
    const mapping = { lead: { title: 'Topic' } };
    const first = await run(file, { importId: 'remap-1', mapping });
    expect(first).toMatchObject({ rows: 1, valid: 1 });
    // `verify --repair`'s re-run as it was printed, without the mapping file: the rows it enqueued read otherwise.
    const again = await run(file, { importId: 'remap-1' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(UsageError);
    expect((again as Error).message).toMatch(
      /^Import remap-1 was made with another mapping: column "Topic": lead\.title then, not imported now; its defaults differ\. Run it again with the --mapping file and options of its first run/,
    );
    // The dry run says the same, and the same mapping goes on with the import.
    expect(await run(file, { importId: 'remap-1', dryRun: true }).catch((e: unknown) => e)).toBeInstanceOf(
      UsageError,
    );
    expect(await run(file, { importId: 'remap-1', mapping })).toMatchObject({ rows: 1, enqueued: 0 });
    expect((await jobs()).map((j) => j.data.lead.title)).toEqual(['Data migration']);

    // Given as a file, the mapping and the reading options are kept with the import: the re-run `verify --repair` and
    // `status` print names them, so that it reads the file as the first run did.
    const mappingFile = tempFile('remap mapping.yaml', 'lead:\n  title: Topic\n');
    await run(file, { importId: 'remap-2', mapping: mappingFile, dateFormat: 'DD/MM/YYYY' });
    const record = await ledger.getImport('remap-2');
    expect(record?.readArgs).toEqual(['--mapping', mappingFile, '--date-format', 'DD/MM/YYYY']);
    expect(reimportCommand(record!).command).toBe(
      `lead-importer import remap.csv --import-id remap-2 --mapping '${mappingFile}' --date-format DD/MM/YYYY`,
    );
  });

  it('stops with a clear error for an unknown custom field, label or column, before enqueuing anything', async () => {
    const { run, jobs } = setup();
    const unknownField = await run(fixture('quoted.csv'), {
      mapping: { custom_fields: { 'Lead sorce': 'Notes' } },
    }).catch((e: unknown) => e);
    expect(unknownField).toBeInstanceOf(MappingError);
    expect((unknownField as Error).message).toContain(
      'custom field "Lead sorce" does not exist in Pipedrive',
    );
    expect((unknownField as Error).message).toContain('"Lead score"');
    const unknownLabel = await run(fixture('quoted.csv'), {
      mapping: { defaults: { labels: 'Scorching' } },
    }).catch((e: unknown) => e);
    expect((unknownLabel as Error).message).toContain(
      'default label "Scorching" does not exist in Pipedrive',
    );
    const unknownColumn = await run(fixture('quoted.csv'), { mapping: { person: { email: 'Mail' } } }).catch(
      (e: unknown) => e,
    );
    expect((unknownColumn as Error).message).toContain('person.email is mapped to column "Mail"');
    expect(await jobs()).toHaveLength(0);
  });

  it('reads amounts in every common form and refuses the rest', async () => {
    const { run, jobs } = setup();
    const summary = await run(fixture('amounts.csv'));
    expect((await jobs()).map((j) => [j.data.organization?.name, j.data.lead.value])).toEqual([
      ['A', { amount: 1234.5, currency: 'EUR' }],
      ['B', { amount: 1234.5, currency: 'USD' }],
      ['C', { amount: 1234.5, currency: 'EUR' }],
      ['D', { amount: 1234, currency: 'USD' }],
      ['E', { amount: 1234.5, currency: 'EUR' }],
      ['F', { amount: 1234.5, currency: 'EUR' }],
    ]);
    expect(summary.firstRejects.map((r) => [r.line, r.column])).toEqual([
      [8, 'Amount'],
      [9, 'Currency'],
    ]);
  });

  it('reads dates in every common form, and asks for --date-format only when it must', async () => {
    const { run, jobs } = setup();
    const without = await run(fixture('dates.csv'));
    expect(without.firstRejects.map((r) => [r.line, r.reason.split(';')[0]])).toEqual([
      [7, '"03/04/2025" is ambiguous (day/month or month/day?)'],
      [8, '"2025-02-30" is not a valid date (no such day)'],
      [9, '"soon" is not a date'],
    ]);
    const { run: run2, jobs: jobs2 } = setup();
    await run2(fixture('dates.csv'), { dateFormat: 'DD/MM/YYYY' });
    expect((await jobs2()).map((j) => j.data.lead.expected_close_date)).toEqual([
      '2025-03-31',
      '2025-03-31',
      '2025-03-31',
      '2025-03-31',
      '2025-03-31',
      '2025-04-03',
    ]);
    expect(await jobs()).toHaveLength(5);
  });

  it('imports a Windows-1252 file with a mapping for its French headers', async () => {
    const { run, jobs } = setup();
    await run(fixture('windows-1252.csv'), {
      mapping: { person: { name: 'Nom' }, organization: { name: 'Société' }, lead: { value: 'Montant' } },
    });
    expect(
      (await jobs()).map((j) => [j.data.person?.name, j.data.organization?.name, j.data.lead.value]),
    ).toEqual([
      ['Hélène Lefèvre', 'L’Atelier “Chez Hélène”', { amount: 1500, currency: 'EUR' }],
      ['François Garçon', 'Garçon – Frères', { amount: 250, currency: 'EUR' }],
    ]);
  });

  it('renders the title template, dropping the separator of an empty placeholder', async () => {
    const { run, jobs } = setup();
    await run(fixture('contacts.csv'), { titleTemplate: '{organization} – {name}' });
    expect((await jobs()).map((j) => j.data.lead.title)).toEqual([
      'Ann Lee',
      'Lonely Org Ltd',
      'carol@example.com',
    ]);
  });

  it('leaves origin_id to the worker when it is the import id, and keeps one the mapping sets', async () => {
    const { run, jobs } = setup();
    await run(fixture('quoted.csv'));
    expect((await jobs()).every((j) => j.data.lead.origin_id === undefined)).toBe(true);
    const other = setup();
    await other.run(fixture('quoted.csv'), { mapping: { defaults: { origin_id: 'spring-fair-2026' } } });
    expect((await other.jobs()).map((j) => j.data.lead.origin_id)).toEqual(Array(4).fill('spring-fair-2026'));
  });

  it('writes rejected rows with their original columns, line, column and reason', async () => {
    const { run } = setup();
    const out = join(mkdtempSync(join(tmpdir(), 'lpi-rejects-')), 'rejects.csv');
    await run(fixture('contacts.csv'), { rejectsFile: out });
    const lines = readFileSync(out, 'utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('First name,Last name,Email,Company,Phone,line,column,reason');
    expect(lines[2]).toBe(
      'Bob,Bad,bob@,Bad Email Inc,,5,Email,"""bob@"" is not an email address; fix the cell or clear it"',
    );
    expect(lines).toHaveLength(4);
  });

  it('rejects names whose letters the exporting code page turned into question marks, and keeps real question marks', async () => {
    const { run } = setup();
    // Excel's plain "CSV" type writes the Windows code page (Windows-1252 here) and a "?" for each
    // character it lacks: Анна Смирнова at Северный Ветер arrives as ???? ???????? at ???????? ?????.
    const file = tempFile(
      'excel-ansi.csv',
      [
        'First Name,Last Name,Email,Company,Notes',
        'Zoe,Orsted,zoe@example.com,Angstrom AB,Any questions? Call her.',
        '????,????????,anna@example.com,???????? ?????,',
        'Lukasz,Nowak,lukasz@example.com,Zak?ady Gda?skie,',
        'Li,?,li@example.com,Why? Labs,',
      ].join('\r\n'),
    );
    const summary = await run(file, { dryRun: true });
    expect(summary.firstRejects.map((r) => [r.line, r.column, r.reason.split(';')[0]])).toEqual([
      [
        3,
        'First Name',
        '"????" has question marks where letters were (the program that wrote the file had no code for them)',
      ],
      [
        4,
        'Company',
        '"Zak?ady Gda?skie" has question marks where letters were (the program that wrote the file had no code for them)',
      ],
      [
        5,
        'Last Name',
        '"?" has question marks where letters were (the program that wrote the file had no code for them)',
      ],
    ]);
    expect(summary.firstRejects[0]?.reason).toMatch(/save it as "CSV UTF-8"/);
  });

  it('drops the invisible characters copied from web pages around a value, and shows one inside a value it rejects', async () => {
    const { run, jobs } = setup();
    // A zero-width space (U+200B) or word joiner (U+2060) comes along when a cell is pasted from a web page.
    const file = tempFile(
      'pasted.csv',
      [
        'Name,Email,Company',
        'Ada One\u200b,ada@example.com\u200b,\u2060One Ltd',
        'Bob Two,bob@exam\u200bple.com,Two Ltd',
      ].join('\r\n'),
    );
    const summary = await run(file);
    expect(
      (await jobs()).map((j) => [j.data.person?.name, j.data.person?.email, j.data.organization?.name]),
    ).toEqual([['Ada One', 'ada@example.com', 'One Ltd']]);
    expect(summary.firstRejects.map((r) => [r.line, r.column, r.reason.split(';')[0]])).toEqual([
      [3, 'Email', '"bob@exam\\u200bple.com" is not an email address'],
    ]);
  });

  it('rejects the header line repeated inside the file (two exports joined), never a person called "Name"', async () => {
    const { run } = setup();
    const file = tempFile(
      'joined.csv',
      [
        'Name,Company,Notes',
        'Ada One,One Ltd,first export',
        'Name,Company,Notes',
        'Bob Two,Two Ltd,second export',
        'name, company ,',
        'Name,Name Ltd,A person called Name is fine',
      ].join('\r\n'),
    );
    const summary = await run(file, { dryRun: true });
    expect(summary.firstRejects.map((r) => [r.line, r.reason.split(';')[0]])).toEqual([
      [3, 'repeats the header line (files joined one after the other?), not a lead'],
      [5, 'repeats the header line (files joined one after the other?), not a lead'],
    ]);
    expect(summary.valid).toBe(3);
  });

  it("rejects a cell holding Excel's error value of a failed formula (#N/A, #REF!, German #NV), in imported columns only", async () => {
    const { run } = setup();
    const file = tempFile(
      'vlookup.csv',
      [
        'Name,Email,Company,Deal value,Lookup helper',
        'Ada One,ada@example.com,#N/A,1000,x',
        'Bob Two,bob@example.com,Two Ltd,#VALUE!,x',
        'Cy Three,cy@example.com,#NV,,x',
        'Di Four,di@example.com,Four Ltd,2000,#REF!',
      ].join('\r\n'),
    );
    const summary = await run(file, { dryRun: true });
    expect(summary.firstRejects.map((r) => [r.line, r.column, r.reason.split(';')[0]])).toEqual([
      [2, 'Company', '"#N/A" is the error value of an Excel formula that failed, not a value'],
      [3, 'Deal value', '"#VALUE!" is the error value of an Excel formula that failed, not a value'],
      [4, 'Company', '"#NV" is the error value of an Excel formula that failed, not a value'],
    ]);
    expect(summary.firstRejects[0]?.reason).toMatch(/fix the formula/);
  });

  it('rejects a phone number Excel wrote in scientific notation (its last digits are lost), and keeps the others', async () => {
    const { run } = setup();
    // A phone column in Excel's General format, saved as CSV: 4155550123 is written as shown, 4.15555E+09
    // (a German Excel: 4,91301E+11). The number cannot be recovered from the file.
    const file = tempFile(
      'excel-phones.csv',
      [
        'Name,Email,Company,Phone,Mobile',
        'Ada One,ada@example.com,A,4.15555E+09,+1 415 555 0123',
        'Bob Two,bob@example.com,B,+1 415 555 0124,"4,91301E+11"',
        'Cy Three,cy@example.com,C,415.555.0125,+14155550125',
        // A formula kept as text is no number; Excel's formula for text is (its text).
        'Di Four,di@example.com,D,=B5*1,"=""+14155550126"""',
      ].join('\r\n'),
    );
    const summary = await run(file, { dryRun: true });
    expect(summary.firstRejects.map((r) => [r.line, r.column, r.reason.split(';')[0]])).toEqual([
      [
        2,
        'Phone',
        '"4.15555E+09" is a number in scientific notation, as Excel writes a long number, and its last digits are lost',
      ],
      [
        3,
        'Mobile',
        '"4,91301E+11" is a number in scientific notation, as Excel writes a long number, and its last digits are lost',
      ],
      [5, 'Phone', '"=B5*1" is a spreadsheet formula, not a phone number'],
    ]);
    expect(summary.firstRejects[0]?.reason).toMatch(/format the column as Text/);
  });

  it('refuses duplicate column names, naming both', async () => {
    const { run } = setup();
    const error = await run(fixture('duplicate-headers.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as Error).message).toBe(
      'duplicate-headers.csv:1: duplicate column names "Email" (column 2) and "e-mail" (column 4); rename one of each pair so every column has its own name, or name them by their numbers in the mapping file: { column: 4 } under the field it fills, or under ignore.',
    );
  });

  it('rejects the totals row a spreadsheet user adds under the list, and imports a company called Total', async () => {
    const { run } = setup();
    const file = tempFile(
      'with-total.csv',
      [
        'Name,Email,Company,Deal value',
        'Ann Lee,ann@example.com,Acme,1000',
        'Jean Dupont,,Total,2000',
        'Total,,,3000',
        'Grand total:,,,"$3,000.00"',
        'Count: 2,,,',
        '',
      ].join('\n'),
    );
    const summary = await run(file, { dryRun: true });
    expect(summary).toMatchObject({ rows: 5, valid: 2, rejected: 3 });
    expect(summary.firstRejects).toEqual([
      {
        line: 4,
        column: 'Name',
        reason:
          '"Total" starts a summary row (a spreadsheet\'s totals), not a lead; delete the line from the file',
      },
      {
        line: 5,
        column: 'Name',
        reason:
          '"Grand total:" starts a summary row (a spreadsheet\'s totals), not a lead; delete the line from the file',
      },
      {
        line: 6,
        column: 'Name',
        reason:
          '"Count: 2" starts a summary row (a spreadsheet\'s totals), not a lead; delete the line from the file',
      },
    ]);
  });

  it("imports a file whose duplicate column names are both left out (Pipedrive's deals export: Deal - Status twice)", async () => {
    const { run } = setup();
    const file = tempFile(
      'deals.csv',
      [
        'Deal - Title,Deal - Status,Deal - Value,Person - Name,Person - Email - Work,Organization - Name,Deal - Status',
        'Acme – 20 seats,Open,5000,Ann Lee,ann@example.com,Acme,Hot prospect',
        '',
      ].join('\n'),
    );
    const summary = await run(file, { dryRun: true });
    expect(summary).toMatchObject({ rows: 1, valid: 1, rejected: 0 });
    expect(summary.mapping.notImported.filter((c) => c.column === 'Deal - Status')).toHaveLength(2);
  });

  it("reads N/A, -, NULL, R's NA and MySQL's \\N as no value: no company called n/a, no lead lost to a phone of N/A", async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'placeholders.csv',
      [
        'First Name,Last Name,Email,Phone,Company,Website,Any allergies?',
        'Ann,Lee,ann@lee.example.com,N/A,n/a,-,None',
        'Ji-woo,Na,jiwoo@na.example.com,NA,NULL,\\N,',
        'Bo,Chen,bo@chen.example.com,+44 20 7946 0958,Unknown,—,N/A',
        'Cy,N/A,cy@diaz.example.com,,Diaz Ltd,diaz.example.com,',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 4, valid: 4, rejected: 0 });
    const rows = (await jobs()).map((j) => j.data);
    expect(
      rows.map((d) => [d.person?.name, d.organization?.name, d.organization?.website, d.person?.phone]),
    ).toEqual([
      ['Ann Lee', undefined, undefined, undefined],
      // The Korean surname Na is a name; NA in the phone column is R's missing value.
      ['Ji-woo Na', undefined, undefined, undefined],
      ['Bo Chen', undefined, undefined, '+44 20 7946 0958'],
      ['Cy', 'Diaz Ltd', 'diaz.example.com', undefined],
    ]);
    // A form's answer is kept as written.
    expect(rows[0]?.note).toBe('Any allergies?:<br>None');
    expect(rows[2]?.note).toBe('Any allergies?:<br>N/A');
    expect(summary.warnings).toEqual(
      expect.arrayContaining([
        '1 row (line 2): column "Phone" has "N/A", which says there is no value: read as empty.',
        '1 row (line 2): column "Company" has "n/a", which says there is no value: read as empty.',
        '1 row (line 5): column "Last Name" has "N/A", which says there is no value: read as empty.',
      ]),
    );
  });

  it('reads an address written where there is none (noemail@acme.com, test@test.com) as no address: each row its own person', async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'trade-show.csv',
      [
        'Name,Email,Company',
        'Ann Lee,noemail@acme.example,Acme',
        'Bo Chen,noemail@acme.example,Acme',
        'Cy Diaz,test@test.com,Diaz Ltd',
        'Di Ek,info@ek.example,Ek AB',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 4, valid: 4, rejected: 0 });
    expect((await jobs()).map((j) => [j.data.person?.name, j.data.person?.email])).toEqual([
      ['Ann Lee', undefined],
      ['Bo Chen', undefined],
      ['Cy Diaz', undefined],
      // A shared mailbox is a real address.
      ['Di Ek', 'info@ek.example'],
    ]);
    expect(summary.warnings).toContain(
      '3 rows (lines 2, 3, 4): column "Email" has an address written where there is none (noemail@…, test@test.com): it reaches no one, and would make every such row one person: read as empty.',
    );
  });

  it("sets a company's LinkedIn page given as its website as the organization's LinkedIn, not its website", async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'scraped.csv',
      [
        'Name,Email,Company,Website,Company LinkedIn',
        'Ann Lee,ann@lee.example.com,Lee Ltd,https://www.linkedin.com/company/lee-ltd/,',
        'Bo Chen,bo@chen.example.com,Chen AG,linkedin.com/company/chen-ag,https://www.linkedin.com/company/chen/',
        'Cy Diaz,cy@diaz.example.com,Diaz SA,diaz.example.com,',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 3, valid: 3, rejected: 0 });
    expect((await jobs()).map((j) => [j.data.organization?.website, j.data.organization?.linkedin])).toEqual([
      [undefined, 'https://www.linkedin.com/company/lee-ltd/'],
      // The LinkedIn column says which page; the website column's is not the company's website either.
      [undefined, 'https://www.linkedin.com/company/chen/'],
      ['diaz.example.com', undefined],
    ]);
  });

  it("keeps a person's LinkedIn profile in the lead's note, and a column of company pages as the organization's", async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'people.csv',
      [
        'Name,Email,Company,LinkedIn,Notes',
        'Ann Lee,ann@lee.example.com,Lee Ltd,https://www.linkedin.com/in/annlee/,Met at the fair',
        'Bo Chen,bo@chen.example.com,Chen AG,linkedin.com/in/bo-chen,',
        'Cy Diaz,cy@diaz.example.com,Diaz SA,,',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 3, valid: 3, rejected: 0 });
    expect(summary.mapping.columns.find((c) => c.column === 'LinkedIn')?.field).toBe('lead.note');
    expect((await jobs()).map((j) => j.data.note)).toEqual([
      'Met at the fair<br><br>LinkedIn: https://www.linkedin.com/in/annlee/',
      'LinkedIn: linkedin.com/in/bo-chen',
      undefined,
    ]);
    // Kept as the column says, not a problem of the row's.
    expect(summary.warnings.filter((w) => w.includes('LinkedIn'))).toEqual([]);

    // An Apollo export names its person's profile `Person Linkedin Url`, and its company's page a column of its own.
    const apollo = tempFile(
      'apollo.csv',
      [
        'First Name,Last Name,Title,Company,Email,Person Linkedin Url,Company Linkedin Url,Seniority,Departments',
        'Dee,Eko,CTO,Eko Inc,dee@eko.example.com,http://www.linkedin.com/in/dee-eko,http://www.linkedin.com/company/eko,c_suite,engineering',
        '',
      ].join('\n'),
    );
    const second = setup();
    await second.run(apollo);
    const [dee] = (await second.jobs()).map((j) => j.data);
    expect(dee?.note).toBe('LinkedIn: http://www.linkedin.com/in/dee-eko');
    expect(dee?.organization?.linkedin).toBe('http://www.linkedin.com/company/eko');

    // A LinkedIn column of company pages is the organization's LinkedIn.
    const pages = tempFile(
      'companies.csv',
      [
        'Name,Email,Company,LinkedIn URL',
        'Fay Gu,fay@gu.example.com,Gu GmbH,https://de.linkedin.com/company/gu-gmbh',
        '',
      ].join('\n'),
    );
    const third = setup();
    await third.run(pages);
    const [fay] = (await third.jobs()).map((j) => j.data);
    expect(fay?.organization?.linkedin).toBe('https://de.linkedin.com/company/gu-gmbh');
    expect(fay?.note).toBeUndefined();
  });

  it("keeps a person's free-text location and LinkedIn headline in the lead's note, each under its label", async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'scraped.csv',
      [
        'full_name,work_email,company_name,headline,location,linkedin_url,Notes',
        'Ann Lee,ann@lee.example.com,Lee Ltd,Head of Sales at Lee Ltd,Greater Stockholm Metropolitan Area,https://www.linkedin.com/in/annlee,Met at the fair',
        'Bo Chen,bo@chen.example.com,Chen AG,,"Lyon, Auvergne-Rhône-Alpes, France",,',
        'Cy Diaz,cy@diaz.example.com,Diaz SA,,,,',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 3, valid: 3, rejected: 0 });
    const field = (column: string) => summary.mapping.columns.find((c) => c.column === column)?.field;
    expect([field('headline'), field('location')]).toEqual(['lead.note', 'lead.note']);
    expect((await jobs()).map((j) => j.data.note)).toEqual([
      'Met at the fair<br><br>Headline: Head of Sales at Lee Ltd<br>Location: Greater Stockholm Metropolitan Area<br>LinkedIn: https://www.linkedin.com/in/annlee',
      'Location: Lyon, Auvergne-Rhône-Alpes, France',
      undefined,
    ]);
    // Not an address: Pipedrive would try to place "Greater Stockholm Metropolitan Area" on a map.
    expect((await jobs()).map((j) => j.data.person?.postal_address)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(summary.warnings.filter((w) => /location|headline/i.test(w))).toEqual([]);
  });

  it("keeps another system's tags and owners in the note when none of them is this company's, and refuses a stray one", async () => {
    const { run, jobs } = setup();
    // A Hunter or ActiveCampaign export: its tags and owners are that tool's, not the company's labels and users.
    const file = tempFile(
      'hunter.csv',
      [
        'First name,Last name,Email address,Company,Owner,Tags',
        'Ann,Lee,ann@lee.example.com,Lee Ltd,Astrid Berg,"nordics-expo, \u001b[2Jwipe"',
        'Bo,Chen,bo@chen.example.com,Chen AG,Astrid Berg,',
        // A tag with a terminal escape, and a long one: quoted and cut where the warning names them.
        `Di,Eng,di@eng.example.com,Eng BV,,"${'x'.repeat(500)}, priority"`,
        'Cy,Diaz,cy@diaz.example.com,Diaz SA,,webinar-feb',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 4, valid: 4, rejected: 0 });
    const field = (column: string) => summary.mapping.columns.find((c) => c.column === column)?.field;
    expect([field('Owner'), field('Tags')]).toEqual(['lead.note', 'lead.note']);
    const data = (await jobs()).map((j) => j.data);
    expect(data.map((d) => d.note)).toEqual([
      'Owner: Astrid Berg<br>Tags: nordics-expo, \u001b[2Jwipe',
      'Owner: Astrid Berg',
      `Tags: ${'x'.repeat(500)}, priority`,
      'Tags: webinar-feb',
    ]);
    expect(data.map((d) => [d.lead.owner_id, d.lead.label_ids])).toEqual(
      Array.from({ length: 4 }, () => [undefined, undefined]),
    );
    expect(summary.warnings).toEqual([
      expect.stringMatching(
        /^2 rows \(lines 2, 3\): column "Owner" has a value, but none of its values \("Astrid Berg"\) is an active Pipedrive user of this company \(Sandy Admin, .*\), as in a file from another system: it is kept in the lead's note\.$/,
      ),
      expect.stringMatching(
        /^3 rows \(lines 2, 4, 5\): column "Tags" has a value, but none of its values \("nordics-expo", "\\u001b\[2Jwipe", "x{39}…", …\) is a lead label of this company \(Hot, Warm, Cold\)/,
      ),
    ]);
    // The escape is named as JSON writes it, never as the character a terminal obeys.
    expect(summary.warnings.join('\n')).not.toContain('\u001b');

    // A column that names the company's labels and users is theirs: a row naming another is refused, as before.
    const own = tempFile(
      'own.csv',
      [
        'Name,Email,Company,Owner,Tags',
        'Di Eng,di@eng.example.com,Eng BV,olivia@sandbox.example,Hot',
        'Ed Fox,ed@fox.example.com,Fox SA,Astrid Berg,webinar-feb',
        '',
      ].join('\n'),
    );
    const second = setup();
    const result = await second.run(own);
    expect(result).toMatchObject({ rows: 2, valid: 1, rejected: 1 });
    expect(result.firstRejects[0]?.reason).toMatch(/"Astrid Berg" is not an active Pipedrive user/);
    expect(result.firstRejects[0]?.reason).toMatch(/"webinar-feb" is not a lead label/);
  });

  it("keeps a marketing tool's tags in the note when only one of them happens to be a label's name", async () => {
    const { run, jobs } = setup();
    // ActiveCampaign-style tags: `hot` is also a lead label's name, but the column is the tool's, not the company's.
    const file = tempFile(
      'tags.csv',
      [
        'First name,Last name,Email address,Company,Tags',
        'Ann,Lee,ann@lee.example.com,Lee Ltd,"webinar-nov, hot"',
        'Bo,Chen,bo@chen.example.com,Chen AG,salon-lyon',
        'Cy,Diaz,cy@diaz.example.com,Diaz SA,newsletter',
        'Di,Eng,di@eng.example.com,Eng BV,webinar-nov',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    // Read as the company's labels, three rows of four were refused for a tag that is no label.
    expect(summary).toMatchObject({ rows: 4, valid: 4, rejected: 0 });
    expect(summary.mapping.columns.find((c) => c.column === 'Tags')?.field).toBe('lead.note');
    const data = (await jobs()).map((j) => j.data);
    expect(data.map((d) => d.note)).toEqual([
      'Tags: webinar-nov, hot',
      'Tags: salon-lyon',
      'Tags: newsletter',
      'Tags: webinar-nov',
    ]);
    expect(data.map((d) => d.lead.label_ids)).toEqual([undefined, undefined, undefined, undefined]);
    expect(summary.warnings).toEqual([
      expect.stringMatching(
        /^4 rows \(lines 2, 3, 4, 5\): column "Tags" has a value, but most of its values \("webinar-nov", "salon-lyon", "newsletter"\) are not a lead label of this company \(Hot, Warm, Cold\)/,
      ),
    ]);
  });

  it("keeps another system's values in the note when a column named like a custom field holds none that field takes", async () => {
    const { run, jobs } = setup();
    // Intercom-style data: its Segment, Lead score and Preferred language are its own, not the company's fields'.
    const file = tempFile(
      'other-system.csv',
      [
        'Name,Email,Company,Segment,Lead score,Preferred language,Tier',
        'Priya Raman,priya@northwind.example.org,Northwind,Retail,High,en,Gold',
        'Ola Berg,ola@berg.example.org,Berg AB,Wholesale,Low,sv,Silver',
        'Kim Ek,kim@ek.example.org,Ek AB,Retail,High,en,Platinum',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 3, valid: 2, rejected: 1 });
    const field = (column: string) => summary.mapping.columns.find((c) => c.column === column)?.field;
    expect(['Segment', 'Lead score', 'Preferred language'].map(field)).toEqual([
      'lead.note',
      'lead.note',
      'lead.note',
    ]);
    const data = (await jobs()).map((j) => j.data);
    expect(data.map((d) => d.note)).toEqual([
      'Segment: Retail<br>Lead score: High<br>Preferred language: en',
      'Segment: Wholesale<br>Lead score: Low<br>Preferred language: sv',
    ]);
    expect(summary.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /column "Segment" has a value, but none of its values \("Retail", "Wholesale"\) is an option of the lead \(deal\) field "Segment", as in a file from another system: it is kept in the lead's note\.$/,
        ),
        expect.stringMatching(
          /column "Lead score" .* is a number, as the lead \(deal\) field "Lead score" takes/,
        ),
      ]),
    );
    // Tier names one of the company's options (Gold): the column is that field, and a row naming another is refused.
    expect(field('Tier')).toMatch(/^custom.organization:Tier /);
    expect(summary.firstRejects.map((r) => [r.line, r.reason])).toEqual([
      [4, expect.stringMatching(/"Platinum" is not an option of "Tier"/)],
    ]);
  });

  it('labels an address at a free-mail provider home when the column does not say whose addresses they are', async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'mixed.csv',
      [
        'Name,Email,Work Email,Company',
        'Ann Lee,ann.lee@gmail.com,ann@lee.example.com,Lee Ltd',
        'Bo Chen,bo@chen.example.com,bo.chen@outlook.com,Chen AG',
        'Cy Diaz,cy.diaz@yahoo.co.uk,,',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 3, valid: 3, rejected: 0 });
    expect(summary.mapping.columns.find((c) => c.column === 'Email')?.reason).toMatch(
      /free-mail provider .* is labelled home/,
    );
    const emails = (await jobs()).map((j) => j.data.person?.emails ?? j.data.person?.email);
    expect(emails).toEqual([
      [
        { value: 'ann.lee@gmail.com', label: 'home' },
        { value: 'ann@lee.example.com', label: 'work' },
      ],
      [
        { value: 'bo@chen.example.com', label: 'work' },
        // The column says work: so it is, whoever hosts it.
        { value: 'bo.chen@outlook.com', label: 'work' },
      ],
      [{ value: 'cy.diaz@yahoo.co.uk', label: 'home' }],
    ]);

    // A mapping file's label is kept as written; a column written without one is read as the bare Email is.
    const second = setup();
    await second.run(file, {
      mapping: {
        person: { name: 'Name', email: [{ column: 'Email', label: 'work' }, 'Work Email'] },
        auto: false,
      },
    });
    // One work address is sent as the person's `email`, without a label (Pipedrive's default is work).
    const labels = (p: { email?: string; emails?: { label: string }[] } | undefined) =>
      p?.emails?.map((e) => e.label) ?? (p?.email ? ['work'] : []);
    expect((await second.jobs()).map((j) => labels(j.data.person))).toEqual([
      ['work', 'work'],
      ['work', 'home'],
      ['work'],
    ]);
  });

  it("reads plural contact columns as several values a cell, and a person's City beside the company's Work City", async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'prospects.csv',
      [
        'First Name,Last Name,Company,Emails,Mobile Phones,Personal Email Address,City,Country,Work City,Work Country,Email Opted Out',
        'Ann,Lee,Lee Ltd,"ann@lee.example.com, ann.lee@gmail.com","+46 70 123 45 67; +46 70 765 43 21",ann@example.net,Uppsala,Sweden,Stockholm,Sweden,false',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 1, valid: 1, rejected: 0 });
    const [ann] = (await jobs()).map((j) => j.data);
    expect(ann?.person?.emails).toEqual([
      { value: 'ann@lee.example.com', label: 'work' },
      { value: 'ann.lee@gmail.com', label: 'home' },
      { value: 'ann@example.net', label: 'home' },
    ]);
    expect(ann?.person?.phones).toEqual([
      { value: '+46 70 123 45 67', label: 'mobile' },
      { value: '+46 70 765 43 21', label: 'mobile' },
    ]);
    expect(ann?.person?.postal_address).toMatchObject({ locality: 'Uppsala', country: 'Sweden' });
    expect(ann?.organization?.address).toMatchObject({ locality: 'Stockholm', country: 'Sweden' });
    expect(summary.mapping.columns.find((c) => c.column === 'Email Opted Out')?.field).toBe(
      'person.email_opt_out',
    );
  });

  it('imports a form that asks one question in two sections: both answers in the note, each under the question', async () => {
    const { run, jobs } = setup();
    const file = tempFile(
      'form.csv',
      [
        'Timestamp,Full name,Email,Any comments?,Would you like a demo?,Any comments?',
        '2026/11/30 9:15:02 AM GMT+1,Ann Lee,ann@lee.example.com,Great talk,Yes,Call after 3pm',
        '2026/11/30 9:20:41 AM GMT+1,Bo Chen,bo@chen.example.com,,No,Only the second',
        '',
      ].join('\n'),
    );
    const summary = await run(file);
    expect(summary).toMatchObject({ rows: 2, valid: 2, rejected: 0 });
    expect(summary.mapping.columns.filter((c) => c.column === 'Any comments?').map((c) => c.field)).toEqual([
      'lead.note',
      'lead.note',
    ]);
    const byName = new Map((await jobs()).map((j) => [j.data.person?.name, j.data]));
    expect(byName.get('Ann Lee')?.note).toBe(
      'Any comments?:<br>Great talk<br><br>Would you like a demo?:<br>Yes<br><br>Any comments?:<br>Call after 3pm',
    );
    expect(byName.get('Bo Chen')?.note).toBe(
      'Would you like a demo?:<br>No<br><br>Any comments?:<br>Only the second',
    );
  });

  it('still refuses a name twice when a person field takes it, or a mapping file names it for one column', async () => {
    const { run } = setup();
    const names = tempFile(
      'names.csv',
      ['First Name,Last Name,Email,First Name', 'Ann,Lee,ann@lee.example.com,', ''].join('\n'),
    );
    await expect(run(names, { dryRun: true })).rejects.toThrow(
      'names.csv:1: duplicate column names "First Name" (column 1) and "First Name" (column 4); rename one',
    );
    const form = tempFile(
      'form.csv',
      ['Full name,Email,Any comments?,Any comments?', 'Ann Lee,ann@lee.example.com,a,b', ''].join('\n'),
    );
    const ignoring = tempFile('ignore.yaml', 'ignore: ["Any comments?"]\n');
    await expect(run(form, { dryRun: true, mapping: ignoring })).rejects.toThrow(
      'form.csv:1: duplicate column names "Any comments?" (column 3) and "Any comments?" (column 4)',
    );
  });

  it('in a dry run, validates and estimates without touching Redis', async () => {
    const { run, prefix } = setup();
    const summary = await run(fixture('contacts.csv'), { dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, rows: 6, valid: 3, enqueued: 0, rejected: 3 });
    // Emails are counted for the dry run's report only (a real import's summary leaves them out, not 0).
    expect(summary).toMatchObject({ distinctPersons: 2, distinctEmails: 2 });
    expect(summary.estimate).toMatchObject({
      leads: 3,
      // At best one list page of each kind (10 each), not a search per contact: see estimate.test.ts.
      minTokens: 3 * 10 + 10 + 10,
      maxTokens: 90 + 15,
    });
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('with --offline calls no Pipedrive endpoint, and refuses to enqueue', async () => {
    const { run } = setup();
    const before = sandbox.requests().length;
    const summary = await run(fixture('amounts.csv'), { dryRun: true, offline: true });
    expect(summary.valid).toBe(6);
    expect(summary.mapping).toMatchObject({ defaults: { currency: "the API user's default currency" } });
    expect(sandbox.requests().length).toBe(before);
    await expect(run(fixture('amounts.csv'), { offline: true })).rejects.toThrow(
      '--offline only works with --dry-run',
    );
  });

  it('fails fast with a clear message when Redis is down', async () => {
    const config = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:1',
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: 'x',
    });
    const error = await importCsv({ file: fixture('quoted.csv'), config }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toContain('Cannot reach Redis at redis://127.0.0.1:1');
  });
});
