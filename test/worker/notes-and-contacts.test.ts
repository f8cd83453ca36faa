import { describe, expect, it } from 'vitest';
import { noteHtml } from '../../src/producer/row-validator.js';
import type { LeadJobData } from '../../src/queue/job-data.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { PERSON_FIELD_KEYS } from '../../src/sandbox/index.js';
import { plainText } from '../../src/worker/note-writer.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { sandboxClient } from '../sandbox/sandbox-client.js';
import {
  enqueueImport,
  eventually,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  sharedContactRows,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

const redis = testRedis();

/** Rows with a note each: text with a line break, an ampersand and markup, kept as plain text. */
function withNotes(importId: string, count: number): LeadJobData[] {
  return jobsFor(importId, sharedContactRows(count, 5, 15)).map((job, i) => ({
    ...job,
    note: noteHtml(`Met at booth ${i} & asked for <b>pricing</b>.\nCall back on Monday.`),
  }));
}

describe('notes', () => {
  it('adds each lead its note exactly once while Pipedrive faults, times out, drops connections and a worker is killed', async () => {
    const sandbox = await testSandbox({
      limits: false,
      latencyJitterMs: 10,
      faultRate: 0.15,
      timeoutRate: 0.05,
      resetRate: 0.05,
      seed: 7,
    });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const jobs = withNotes('imp-notes', 80);
    await enqueueImport(redis, prefix, 'imp-notes', jobs, { backoffMs: 100 });
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_TIMEOUT_MS: '300' });
    const flags = [...FAST_WORKER_FLAGS, '--concurrency', '8', '--no-rate-limit', '--warm-cache', 'never'];
    const first = spawnWorker(env, flags);
    const second = spawnWorker(env, flags);
    // Kill one mid-import (rows in flight go back to the queue); a new one takes over.
    await eventually(async () => ((await ledger.getImport('imp-notes'))?.created ?? 0) >= 10, {
      what: '10 leads',
      timeoutMs: 60_000,
    });
    await first.stop('SIGKILL');
    const third = spawnWorker(env, flags);

    const record = await finished(ledger, 'imp-notes');
    await Promise.all([second.stop(), third.stop()]);

    expect(record.created + record.deadLettered).toBe(80);
    const data = sandbox.export();
    expect(sandbox.state()).toMatchObject({ duplicateLeads: 0, duplicateNotes: 0 });
    const outcomes = await ledger.outcomes(
      'imp-notes',
      jobs.map((j) => j.line),
    );
    let notes = 0;
    for (const [i, o] of outcomes.entries()) {
      if (o.state !== 'created') continue;
      // Every created row has its note, with the row's text, on its own lead.
      const note = data.notes.find((n) => n.id === o.noteId);
      expect(note, `line ${jobs[i]?.line}: note`).toBeDefined();
      expect(note?.lead_id).toBe(o.leadId);
      expect(plainText(note?.content ?? '')).toBe(plainText(jobs[i]?.note ?? ''));
      expect(data.notes.filter((n) => n.lead_id === o.leadId)).toHaveLength(1);
      notes++;
    }
    expect(record.createdNotes).toBe(notes);
    expect(data.notes).toHaveLength(notes);
  }, 150_000);
});

describe('persons and organizations several rows describe', () => {
  it('get the values of every row that names them, whichever row runs first, without overwriting', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    // Zoë's rows: the bare one first in the file, so some worker may take it first.
    const jobs: LeadJobData[] = [
      ...jobsFor('imp-complete', [
        { title: 'Bare', person: { name: 'Zoë Ørsted', email: 'zoe@angstrom.example' } },
        { title: 'Full', org: 'Ångström AB', person: { name: 'Zoë Ørsted', email: 'zoe@angstrom.example' } },
        { title: 'Other title', person: { name: 'Zoë Ørsted', email: 'zoe@angstrom.example' } },
      ]),
    ];
    jobs[1]!.person = {
      ...jobs[1]!.person!,
      job_title: 'Head of Procurement',
      phone: '+46 8 555 012 34',
      birthday: '1985-04-12',
    };
    jobs[1]!.organization = { name: 'Ångström AB', website: 'https://angstrom.example', employee_count: 240 };
    jobs[2]!.person = { ...jobs[2]!.person!, job_title: 'CFO' };
    await enqueueImport(redis, prefix, 'imp-complete', jobs);
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url);
    const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '3', '--no-rate-limit']);
    const record = await finished(ledger, 'imp-complete');
    await worker.stop();

    expect(record).toMatchObject({ created: 3, createdPersons: 1, reusedPersons: 2 });
    const [zoe] = sandbox.export().persons;
    expect(sandbox.state()).toMatchObject({ persons: 1, organizations: 1 });
    expect(zoe).toMatchObject({
      name: 'Zoë Ørsted',
      phones: [{ value: '+46 8 555 012 34', label: 'work', primary: true }],
      birthday: '1985-04-12',
      org_id: sandbox.export().organizations[0]?.id,
    });
    // Two rows disagree on the job title: one of them, never both, never overwritten by the other.
    expect(['Head of Procurement', 'CFO']).toContain(zoe?.job_title);
  }, 60_000);

  it('get every email and phone the rows bring, each once, the first primary, whichever row runs first', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    // A HubSpot export's two enquiries of one person: one with only her address, one with two more and a phone.
    const una = { name: 'Una Ulm', email: 'una@u1.example' };
    const jobs = jobsFor('imp-lists', [
      { title: 'First enquiry', person: una },
      { title: 'Second enquiry', person: una },
      { title: 'Third enquiry', person: una },
      { title: 'Fourth enquiry', person: una },
    ]);
    jobs[1]!.person = {
      ...una,
      phone: '+1 555 0100',
      emails: [
        { value: 'una@u1.example', label: 'work' },
        { value: 'una.home@u2.example', label: 'home' },
        { value: 'una.alt@u3.example', label: 'other' },
      ],
    };
    // The same values again, written otherwise: nothing to add.
    jobs[2]!.person = {
      ...una,
      phone: '+15550100',
      emails: [
        { value: 'una@u1.example', label: 'work' },
        { value: 'UNA.HOME@u2.example', label: 'home' },
      ],
    };
    await enqueueImport(redis, prefix, 'imp-lists', jobs);
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url);
    const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '4', '--no-rate-limit']);
    const record = await finished(ledger, 'imp-lists');
    await worker.stop();

    expect(record).toMatchObject({ created: 4, createdPersons: 1, reusedPersons: 3 });
    const persons = sandbox.export().persons;
    expect(persons).toHaveLength(1);
    expect(persons[0]?.emails).toEqual([
      { value: 'una@u1.example', label: 'work', primary: true },
      { value: 'una.home@u2.example', label: 'home', primary: false },
      { value: 'una.alt@u3.example', label: 'other', primary: false },
    ]);
    expect(persons[0]?.phones).toEqual([{ value: '+1 555 0100', label: 'work', primary: true }]);
  }, 60_000);

  it('with fill-empty, fills what existing contacts lack and keeps what they have; without it, leaves them alone', async () => {
    const sandbox = await testSandbox({ limits: false });
    const api = sandboxClient(sandbox);
    const existing = await api.post('/api/v2/persons', {
      name: 'Ada Lovelace',
      emails: [{ value: 'ada@example.org', primary: true, label: 'work' }],
      job_title: 'Countess',
    });
    expect(existing.status).toBe(200);
    const id = existing.body.data.id as number;
    const row = (importId: string, updateContacts?: 'fill-empty'): LeadJobData => ({
      ...jobsFor(importId, [
        { title: `${importId} lead`, person: { name: 'Ada Lovelace', email: 'ada@example.org' } },
      ])[0]!,
      person: {
        name: 'Ada Lovelace',
        email: 'ada@example.org',
        phone: '+44 20 7946 0000',
        job_title: 'Analyst',
        custom_fields: { [PERSON_FIELD_KEYS.linkedinProfile]: 'https://linkedin.example/ada' },
      },
      ...(updateContacts ? { updateContacts } : {}),
    });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url);
    const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--no-rate-limit']);
    try {
      await enqueueImport(redis, prefix, 'imp-never', [row('imp-never')]);
      await finished(ledger, 'imp-never');
      let ada = sandbox.export().persons.find((p) => p.id === id);
      expect(ada).toMatchObject({ job_title: 'Countess', phones: [] });

      await enqueueImport(redis, prefix, 'imp-fill', [row('imp-fill', 'fill-empty')]);
      await finished(ledger, 'imp-fill');
      ada = sandbox.export().persons.find((p) => p.id === id);
      expect(ada).toMatchObject({
        job_title: 'Countess',
        phones: [{ value: '+44 20 7946 0000', label: 'work', primary: true }],
        custom_fields: { [PERSON_FIELD_KEYS.linkedinProfile]: 'https://linkedin.example/ada' },
      });
      expect(sandbox.state().persons).toBe(1);
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
