import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const fixture = (name: string) => join(import.meta.dirname, '../fixtures/csv', name);
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

async function cli(args: string[], env: Record<string, string> = {}, prefix = uniquePrefix('cli')) {
  return command(['import', ...args], env, prefix);
}

async function command(args: string[], env: Record<string, string> = {}, prefix = uniquePrefix('cli')) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await main(args, {
    stdout,
    stderr,
    env: {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      ...env,
    },
  });
  return { code, out, err };
}

/** A worker of `prefix` against the sandbox, without limits, for the tests that follow an import to its end. */
function sandboxWorker(prefix: string) {
  return createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
    rateLimit: false,
    concurrency: 4,
  });
}

describe('lead-importer import', () => {
  it('documents every option in --help', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--mapping',
      '--import-id',
      '--dry-run',
      '--offline',
      '--wait',
      '--json',
      '--rejects',
      '--title-template',
      '--date-format',
      '--currency',
      '--encoding',
      '--delimiter',
    ]) {
      expect(out).toContain(flag);
    }
  });

  it('prints the summary as one JSON object with --json and exits 0 when every row is valid', async () => {
    const { code, out } = await cli([fixture('quoted.csv'), '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({ rows: 4, enqueued: 4, rejected: 0, alreadyImported: 0 });
    expect(summary.importId).toMatch(/^imp-[0-9a-f]{12}$/);
  });

  it('exits 3 and names file, line, column and fix when rows are rejected', async () => {
    const { code, out } = await cli([fixture('contacts.csv')]);
    expect(code).toBe(3);
    expect(out).toContain(
      'contacts.csv:5, column "Email": "bob@" is not an email address; fix the cell or clear it',
    );
    expect(out).toContain('enqueued          3');
  });

  it('says which columns no field is named like, on a real import too, and not those left out on purpose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-unrecognised-'));
    const file = join(dir, 'kontakte.csv');
    writeFileSync(file, 'E-Mail,Rufname,Kürzel,Fax\nanna@example.com,Anni,AM,+49 30 1234\n');
    const { code, out } = await cli([file]);
    expect(code).toBe(0);
    const warning = out.split('\n\n').find((p) => p.startsWith('Warning: '));
    expect(warning).toMatch(
      /^Warning: 2 columns were not imported: no Pipedrive field is named like "Rufname", "Kürzel"\. If they hold data you want: `lead-importer cancel imp-[0-9a-f]{12}` stops this import/,
    );
    // A fax column is left out on purpose (its reason says so): not in the warning.
    expect(warning).not.toContain('Fax');
    const dry = await cli([file, '--dry-run']);
    expect(dry.out).not.toContain('Warning: 2 columns');
    expect(dry.out).toContain('"Rufname": no Pipedrive field is named like it');
  });

  it('shows the mapping, distinct contacts and a token and time estimate in a dry run', async () => {
    const { code, out } = await cli(
      [fixture('utf8-semicolon.csv'), '--dry-run', '--offline', '--currency', 'EUR'],
      {
        PIPEDRIVE_PLAN: 'growth',
        PIPEDRIVE_SEATS: '2',
      },
    );
    expect(code).toBe(0);
    expect(out).toContain('Dry run of import imp-');
    // Each column with its field and why.
    expect(out).toMatch(/Value\s+lead\.value\s+auto: well-known header "Value"/);
    expect(out).toContain('Distinct: 2 persons (2 emails), 2 organizations');
    expect(out).toContain('108,000 tokens usable per day');
    // At best 2 leads × 10 + a list page of persons and one of organizations (10 each) = 40: the workers list a
    // company's contacts when that costs less than searching. At worst 4 searches × 20, and creating 2 persons
    // and 2 organizations adds 20: 120.
    expect(out).toContain('40 if every contact exists and listing them is cheap, up to 120 if all are new');
    expect(out).toContain(
      "at most 2 persons searches (40 tokens), fewer tokens if listing the company's persons costs less",
    );
  });

  it('gives the API time as a range in the same two cases as the tokens, not the worst case alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-estimate-'));
    const file = join(dir, 'leads2000.csv');
    const lines = ['Name,Email,Company'];
    for (let i = 0; i < 2_000; i++) lines.push(`Person ${i},p${i}@example.com,Company ${i % 300}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { code, out } = await cli([file, '--dry-run', '--offline'], { PIPEDRIVE_PLAN: 'growth' });
    expect(code).toBe(0);
    expect(out).toContain(
      '20,020 if every contact exists and listing them is cheap, up to 77,500 if all are new',
    );
    // Growth: 40 calls per 2 s, 90% of it used. Best: 2,000 leads and a list page of each kind (2,002 calls) is
    // 2 min; worst: 2,300 searches (10 per 2 s: 460 s) is 8 min. Before, only "8 min at the burst limit" of an
    // import the sandbox ran in 3.6 min (its contacts were new, found by listing).
    expect(out).toContain(
      'API time          2 min to 8 min at the burst limit (2,002 requests if every contact exists, up to 6,600 if all are searched for and created)',
    );
  });

  it.each([
    [['does-not-exist.csv'], 'does-not-exist.csv does not exist'],
    [[fixture('duplicate-headers.csv')], 'duplicate column names'],
    [[fixture('quoted.csv'), '--date-format', 'YYYY'], '--date-format must be DD/MM/YYYY or MM/DD/YYYY'],
    [[fixture('quoted.csv'), '--import-id', 'a:b'], 'Invalid import id'],
    [[fixture('quoted.csv')], 'Cannot reach Redis'],
  ])('exits 2 with one clear line for %j', async (args, message) => {
    const env: Record<string, string> =
      message === 'Cannot reach Redis' ? { REDIS_URL: 'redis://127.0.0.1:1' } : {};
    const { code, err } = await cli(args, env);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).not.toContain('    at ');
  });

  it('warns in a dry run that a header-only file has no data rows, and the import exits 2 creating nothing, as for an empty file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-header-only-'));
    const file = join(dir, 'header-only.csv');
    writeFileSync(file, 'Name,Email,Company,Title\n\n');
    const prefix = uniquePrefix('header-only');
    const dry = await cli([file, '--dry-run', '--offline'], {}, prefix);
    // Before: exit 0, "0 rows", no warning, and "Title" taken for the job title with nothing said.
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(
      'Warning: header-only.csv has a header line (line 1) but no data rows: nothing to import. The real import refuses it (exit 2) and creates no import. The mapping below is read from the header alone',
    );
    const real = await cli([file, '--import-id', 'header-only'], {}, prefix);
    expect(real.code).toBe(2);
    expect(real.err).toContain(
      'header-only.csv has a header line (line 1) but no data rows: nothing to import. Check that it is the file you meant',
    );
    expect(real.err).not.toContain('    at ');
    const status = await command(['status', 'header-only'], {}, prefix);
    expect(status.code).toBe(2);
    expect(status.err).toContain('No import "header-only"');
  });

  it('refuses a file of one line with no line break, naming file and line and what to check; a long data line is one reject', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-one-line-'));
    // 8 MiB here; bench figures: a 2 GB file of one line is refused in 2.5 s within 116 MB, and a header followed
    // by a 2 GB line is read to its end (one reject, exit 3) in 14 s within 166 MB.
    const oneLine = join(dir, 'one-line.csv');
    writeFileSync(oneLine, 'abcdefghij,'.repeat(800_000));
    const refused = await cli([oneLine, '--dry-run', '--offline']);
    expect(refused.code).toBe(2);
    // Before: "(is longer than 1 MiB, the longest row this tool reads; shorten its values …)", of a header.
    expect(refused.err).toContain(
      'one-line.csv:1: the header line cannot be read: it runs on for more than 1 MiB without a line break. A CSV file starts with a short line naming the columns, then one line per lead: check that one-line.csv is the export you meant',
    );
    expect(refused.err).not.toContain('shorten its values');
    const longRow = join(dir, 'long-row.csv');
    writeFileSync(longRow, `Name,Email\nAda,ada@example.com\n${'abcdefghij,'.repeat(800_000)}`);
    const read = await cli([longRow, '--dry-run', '--offline']);
    expect(read.code).toBe(3);
    expect(read.out).toContain('long-row.csv:3: is longer than 1 MiB, the longest row this tool reads');
    expect(read.out).toMatch(/valid\s+1\n/);
  });

  it('names the table it read in a report of several tables, and the table after it that it skipped', async () => {
    const zoom = join(import.meta.dirname, '../fixtures/real-exports/zoom-webinar-attendees.csv');
    const { code, out } = await cli([zoom, '--dry-run', '--offline']);
    // Before: the "Other Attended" table's name, header and row rejected as three malformed rows. Now the one reject
    // is Zoë's second session (she rejoined): one lead per person, so not a failure (exit 0, where it was 3).
    expect(code).toBe(0);
    expect(out).toMatch(/valid\s+6\n\s+rejected\s+1\n/);
    expect(out).toContain(
      'zoom-webinar-attendees.csv:14, column "Email": "zoe.orsted@angstrom.example.com" is on line 13 too: Zoom writes a row for each time a viewer joined the webinar; one lead per person, from line 13',
    );
    // The tables before it by name (a real report's panelists ran to 75 lines, each listed before).
    expect(out).toContain(
      'Skipped before the header: the tables "Attendee Report" (lines 1–4), "Host Details" (lines 5–7), "Panelist Details" (lines 8–10), not the one imported.',
    );
    expect(out).not.toContain('Skipped before the header (line');
    expect(out).toContain(
      'Read the table "Attendee Details" (its name on line 11, its header on line 12) of a report of several tables.',
    );
    expect(out).toContain(
      'Skipped after the data: the table "Other Attended" (lines 21–23), not the one imported; to import it, save it as a file of its own.',
    );

    // The import itself says it too, once: its people (viewers who did not register) are not imported.
    const run = await cli([zoom]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(
      'Warning: the table "Other Attended" (lines 21–23) after the one imported was not read: to import its rows too, save that table as a file of its own and import it.',
    );
    expect(run.out).not.toContain('Skipped after the data');
  });

  it("reads a monday.com board's groups as one table: each later group's title and header are its layout, not failures", async () => {
    const board = join(import.meta.dirname, '../fixtures/real-exports/monday-board.csv');
    const { code, out } = await cli([board, '--dry-run', '--offline']);
    // Before: exit 3, a lead per group title ("Contacted"), and the last group ("Won", past Excel's 16th row, a line of
    // one value) skipped as another table of a report, its items with it.
    expect(code).toBe(0);
    expect(out).toMatch(/valid\s+7\n\s+rejected\s+8\n/);
    expect(out).toContain(
      "of them 8 the sheet's layout (a group's title, the header again, subitems): not a failure",
    );
    expect(out).toContain(
      'monday-board.csv:21, column "Name": "Won" is the title of the section below it (the header repeats on line 22)',
    );
    // A subitem (a task under François's item) is no lead either.
    expect(out).toContain(
      'monday-board.csv:8, column "Subitems": "Send the offer" is a subitem of the item on line 5',
    );
    expect(out).not.toContain('Skipped after the data');
  });

  it('does not call a file of one table under a name a report of several tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-titled-'));
    const file = join(dir, 'titled.csv');
    writeFileSync(file, 'Leads\nName,Email,Company\nZoë Ørsted,zoe@angstrom.example,Ångström AB\n');
    const { code, out } = await cli([file, '--dry-run', '--offline']);
    expect(code).toBe(0);
    expect(out).toContain('Skipped before the header (line 1): "Leads"');
    expect(out).not.toContain('report of several tables');
  });

  it("quotes a two-line header's groups cut to size: a groups line is the file's writer's to fill", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-groups-'));
    const file = join(dir, 'groups.csv');
    // Two real groups make it a header of two lines; the third is 50,000 characters and the rest are many.
    const more = Array.from({ length: 20 }, (_, i) => `Group ${String.fromCharCode(65 + i)},,`).join('');
    writeFileSync(
      file,
      `Contact,,,Company,,,${'Z'.repeat(50_000)},,${more.slice(0, -1)}\n` +
        `First Name,Last Name,Email,Company,Website,Phone,Note,Other,${Array.from({ length: 40 }, (_, i) => `C${i}`).join(',')}\n` +
        `Anna,Berg,anna@example.com,Acme GmbH,acme.example.com,+49 30 1234567,hi,x${',v'.repeat(40)}\n`,
    );
    const { code, out } = await cli([file, '--dry-run', '--offline']);
    expect(code).toBe(0);
    const line = out.split('\n').find((l) => l.startsWith('A header of two lines'));
    // Before: every group whole, the 50,000 Zs with them (a dry run of 52 KB).
    expect(line).toContain(`"Contact", "Company", "${'Z'.repeat(79)}…", "Group A"`);
    expect(line).toContain('"Group I" and 11 more), line 2 the columns');
    expect(line!.length).toBeLessThan(1_200);
  });

  it("names the system an Eventbrite attendee report comes from, and why a ticket's price is no lead value", async () => {
    const file = join(import.meta.dirname, '../fixtures/real-exports/eventbrite-attendees.csv');
    const { code, out } = await cli([file, '--dry-run', '--offline']);
    // The second ticket of Priya's order repeats her (the organizer asked only the buyer): rejected, one lead, and
    // not a failure (exit 0, where it was 3).
    expect(code).toBe(0);
    expect(out).toContain("of them 1 a person's later row: one lead per person, not a failure");
    expect(out).toContain(
      'eventbrite-attendees.csv:6, column "Email": "priya.raman@northwind.example.org" is on line 5 too: Eventbrite writes a row for each ticket',
    );
    // Before: "for a Eventbrite…" (a system named with a vowel first read "a Outlook" too).
    expect(out).toContain(
      'Mapping (column → Pipedrive field), for an Eventbrite attendee report (recognised by',
    );
    expect(out).toContain('"Total Paid": what the ticket cost, not what the lead may be worth');
    expect(out).toMatch(/Work Address 1\s+organization\.address\.street/);
  });

  it('exits 2 naming what was given by mistake instead of a CSV file, and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-inputs-'));
    const gz = join(dir, 'leads.csv');
    writeFileSync(gz, gzipSync(readFileSync(fixture('quoted.csv'))));
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    for (const [file, message] of [
      [
        gz,
        'leads.csv is gzip-compressed, not a CSV file. Decompress it first (`gzip -dc leads.csv > leads-decompressed.csv`), then import leads-decompressed.csv.',
      ],
      ['-', 'import does not read standard input ("-"): it reads a file more than once'],
      [fifo, 'pipe.csv is not a regular file (a pipe or a device): import reads a file more than once'],
      [dir, 'is a directory, not a CSV file; name the file inside it.'],
    ] as const) {
      const { code, err } = await cli([file, '--dry-run', '--offline']);
      expect(err).toContain(message);
      expect(code).toBe(2);
    }
  });

  it('suggests the column an ignore entry or a --title-template placeholder likely means', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-cli-'));
    const mapping = join(dir, 'mapping.yaml');
    writeFileSync(mapping, 'ignore:\n  - Note\n');
    const ignored = await cli([fixture('quoted.csv'), '--mapping', mapping, '--dry-run', '--offline']);
    expect(ignored.out).toContain('ignore: the file has no column "Note" (did you mean "Notes"?).');
    const flag = await cli([
      fixture('quoted.csv'),
      '--title-template',
      '{Compnay}',
      '--dry-run',
      '--offline',
    ]);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain(
      '--title-template: title template placeholder {Compnay} is neither a field (organization, name, first_name, last_name, email, phone) nor a column ("Name", "Email", "Company", "Notes") (did you mean "Company"?).',
    );
  });

  it('exits 2 when the mapping names a custom field Pipedrive does not have', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-cli-'));
    const mapping = join(dir, 'mapping.yaml');
    writeFileSync(mapping, 'custom_fields:\n  Favourite colour: Notes\n');
    const { code, err } = await cli([fixture('quoted.csv'), '--mapping', mapping]);
    expect(code).toBe(2);
    expect(err).toContain('mapping.yaml:2:3: custom field "Favourite colour" does not exist in Pipedrive');
  });

  it.each([
    [
      'a misspelt section',
      'leed:\n  title: Name\n',
      'mapping.yaml:1:1: unknown key "leed" (did you mean "lead"?); valid keys are lead,',
    ],
    [
      'a misspelt field',
      'lead:\n  title: Name\n  valeu: Value\n',
      'mapping.yaml:3:3: lead: unknown key "valeu" (did you mean "value"?); valid keys are title, value,',
    ],
    [
      'a column the file does not have',
      'person:\n  name: Name\n  email:\n    - { column: E-mial, label: work }\n',
      'mapping.yaml:4:7: person.email[0] is mapped to column "E-mial", which the file does not have (did you mean "Email"?); its columns are',
    ],
    [
      'an ignore entry that is not a column name',
      'ignore:\n  - Notes\n  - 42\n',
      'mapping.yaml:3:5: ignore[1] is 42, a number: write { column: 42 } for the column of that number (1 is the first), or "42" in quotes for a column named so.',
    ],
    [
      'an ignore entry that is neither a name nor a number',
      'ignore:\n  - Notes\n  - true\n',
      'mapping.yaml:3:5: ignore must be a list of column names, e.g. ignore: [Record ID, Lead Status]; entry 2 is true.',
    ],
    [
      'a column both mapped and listed under ignore',
      'person:\n  name: Name\nignore:\n  - Notes\n  - name\n',
      'mapping.yaml:5:5: column "name" is both mapped and listed under ignore; keep one.',
    ],
    [
      'a title template placeholder that is neither a field nor a column',
      'defaults:\n  currency: EUR\n  title_template: "{organisation} – {Note}"\n',
      'mapping.yaml:3:3: defaults.title_template: title template placeholder {organisation} is neither a field (organization, name, first_name, last_name, email, phone) nor a column ("Name", "Email", "Company", "Notes") (did you mean "organization"?).',
    ],
    [
      'a value of the wrong type',
      '# start\nauto: maybe\n',
      'mapping.yaml:2:1: auto must be true or false, got "maybe".',
    ],
    [
      // A list of columns is one (a row takes the first filled); what is in it must be column names.
      'a number in a list of columns',
      'organization:\n  name: [Company, 12]\n',
      'mapping.yaml:2:19: organization.name[1] is 12, a number: write { column: 12 } for the column of that number (1 is the first), or "12" in quotes for a column named so.',
    ],
    [
      'a default owner the company does not have',
      'defaults:\n  currency: EUR\n  owner: nobody@example.com\n',
      'mapping.yaml:3:3: default owner "nobody@example.com" is not an active user of the company; users:',
    ],
  ])('names the mapping file, line and column of %s, and the fix', async (_, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-cli-'));
    const mapping = join(dir, 'mapping.yaml');
    writeFileSync(mapping, text);
    const { code, err } = await cli([fixture('quoted.csv'), '--mapping', mapping, '--dry-run']);
    expect(err).toContain(`lead-importer import: ${message}`);
    expect(code).toBe(2);
  });

  it('with --wait follows the import until the workers have created every lead', async () => {
    const prefix = uniquePrefix('wait');
    const worker = sandboxWorker(prefix);
    try {
      const { code, out } = await cli([fixture('quoted.csv'), '--wait', '--json'], {}, prefix);
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({
        rows: 4,
        enqueued: 4,
        created: 4,
        deadLettered: 0,
        pending: 0,
        state: 'completed',
      });
    } finally {
      await worker.close();
    }
  });

  it('with --wait says it waits, not "Next: run `lead-importer worker`", before following the import', async () => {
    const prefix = uniquePrefix('wait-text');
    const worker = sandboxWorker(prefix);
    try {
      const { code, out } = await cli([fixture('quoted.csv'), '--wait'], {}, prefix);
      expect(code).toBe(0);
      expect(out).not.toContain('Next: run');
      expect(out).toContain('Waiting for workers to finish it');
      expect(out).toMatch(/created\s+4/);
    } finally {
      await worker.close();
    }
  });

  it('says to start a worker only when none serves the queue, and that one will process the rows when it does', async () => {
    const prefix = uniquePrefix('next-step');
    const alone = await cli([fixture('quoted.csv'), '--import-id', 'next-alone'], {}, prefix);
    expect(alone.code).toBe(0);
    expect(alone.out).toContain('No worker is running yet: run `lead-importer worker` to process the rows');
    const worker = sandboxWorker(prefix);
    try {
      await worker.ready;
      // Before: "Next: run `lead-importer worker`" with a worker already taking the rows.
      const served = await cli([fixture('quoted.csv'), '--import-id', 'next-served'], {}, prefix);
      expect(served.code).toBe(0);
      expect(served.out).toContain(
        'A worker will process the rows; follow with `lead-importer status next-served`.',
      );
      expect(served.out).not.toContain('Next: run');
      const json = await cli([fixture('quoted.csv'), '--import-id', 'next-json', '--json'], {}, prefix);
      expect(JSON.parse(json.out)).toMatchObject({ workersServing: 1 });
      // Paused, the worker takes nothing: the next step says so, and how the rows start.
      expect((await command(['pause'], {}, prefix)).code).toBe(0);
      const paused = await cli([fixture('quoted.csv'), '--import-id', 'next-paused'], {}, prefix);
      expect(paused.out).toContain(
        'A worker will process the rows, but the queue is paused: they start after `lead-importer resume`; follow with `lead-importer status next-paused`.',
      );
    } finally {
      await worker.close();
    }
  });

  it('skips rows whose every cell is empty: the import, status and report leave them out alike', async () => {
    const prefix = uniquePrefix('blank-rows');
    const dir = mkdtempSync(join(tmpdir(), 'lpi-blank-'));
    const file = join(dir, 'blank-rows.csv');
    writeFileSync(
      file,
      'First name,Email,Company\nAnn,ann@a.example,A\n,,\nBob,bob@b.example,B\n\n  ,  ,\nCid,cid@c.example,C\n',
    );
    const worker = sandboxWorker(prefix);
    try {
      const imported = await cli([file, '--wait', '--json', '--import-id', 'blank-rows'], {}, prefix);
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.out)).toMatchObject({ rows: 3, enqueued: 3, rejected: 0, created: 3 });
      const status = await command(['status', 'blank-rows'], {}, prefix);
      expect(status.out).toMatch(/rows 3 = created 3 \+ rejected 0 \+ dead-lettered 0/);
      const out = join(dir, 'report.csv');
      expect((await command(['report', 'blank-rows', '--out', out], {}, prefix)).code).toBe(0);
      const lines = readFileSync(out, 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      // The header, then the three rows with the file's own line numbers.
      expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
        '2,created',
        '4,created',
        '7,created',
      ]);
    } finally {
      await worker.close();
    }
  });

  it('says rows an earlier run enqueued are queued, not imported, until a worker has finished them', async () => {
    const prefix = uniquePrefix('already-queued');
    expect((await cli([fixture('quoted.csv'), '--import-id', 're1'], {}, prefix)).code).toBe(0);
    // No worker yet: the rows are only queued (it printed "already imported 4").
    const queued = await cli([fixture('quoted.csv'), '--import-id', 're1'], {}, prefix);
    expect(queued.code).toBe(0);
    expect(queued.out).toMatch(/already queued\s+4 \(by an earlier run; not finished yet\)/);
    expect(queued.out).not.toContain('already imported');
    expect(queued.out).not.toContain('already finished');
    const json = await cli([fixture('quoted.csv'), '--import-id', 're1', '--json'], {}, prefix);
    expect(JSON.parse(json.out)).toMatchObject({
      enqueued: 0,
      alreadyImported: 4,
      alreadyQueued: 4,
      alreadyFinished: 0,
    });
    const status = await command(['status', 're1'], {}, prefix);
    expect(status.out).toMatch(/created 0 .*pending 4/);
    expect(status.out).not.toContain('already imported');
    expect(status.out).toContain('4 rows were already enqueued or imported by an earlier run');
    const worker = sandboxWorker(prefix);
    try {
      const finished = await cli(
        [fixture('quoted.csv'), '--import-id', 're1', '--wait', '--json'],
        {},
        prefix,
      );
      expect(JSON.parse(finished.out)).toMatchObject({ state: 'completed', created: 4 });
    } finally {
      await worker.close();
    }
    const again = await cli([fixture('quoted.csv'), '--import-id', 're1'], {}, prefix);
    expect(again.out).toMatch(/already finished\s+4/);
    expect(again.out).not.toContain('already queued');
  });
});
