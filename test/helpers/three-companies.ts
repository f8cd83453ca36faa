/**
 * The isolation tests' three companies (test/worker/isolation, test/cluster/cluster-isolation): A on Growth with
 * latency, B and C on Lite (B's budget and C's token are the ones that go wrong), each a sandbox of its own, named
 * by one connections file whose tokens are in files (`<name>.token`) a test can rewrite before a SIGHUP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { type RowSpec, testSandbox } from '../worker/helpers.js';

export interface ThreeCompanies {
  a: RunningSandbox;
  b: RunningSandbox;
  c: RunningSandbox;
  /** The folder of the connections file and its token files. */
  dir: string;
  connectionsFile: string;
}

/** Starts the three sandboxes (A's latency as given) and writes their connections file and token files. */
export async function startThreeCompanies(aLatency: {
  latencyMs: number;
  latencyJitterMs: number;
}): Promise<ThreeCompanies> {
  const [a, b, c] = await Promise.all([
    testSandbox({ plan: 'growth', companyId: 1001, apiToken: 'token-a', ...aLatency }),
    testSandbox({ plan: 'lite', companyId: 1002, apiToken: 'token-b' }),
    testSandbox({ plan: 'lite', companyId: 1003, apiToken: 'token-c' }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'lpi-isolation-'));
  for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, `${n}.token`), `token-${n}\n`);
  const connectionsFile = writeConnectionsFile(
    dir,
    [
      { name: 'a', url: a.url, plan: 'growth' },
      { name: 'b', url: b.url, plan: 'lite' },
      { name: 'c', url: c.url, plan: 'lite' },
    ],
    { budget_reserve: 0, timeout_ms: 2000 },
  );
  return { a, b, c, dir, connectionsFile };
}

/** `count` rows sharing a few organizations and persons, all of them this company's (tagged). */
export function rowsOf(tag: string, count: number): RowSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const p = i % 15;
    return {
      title: `${tag} deal ${i}`,
      org: `${tag} company ${p % 5}`,
      person: { name: `${tag} person ${p}`, email: `person${p}@${tag}.example` },
    };
  });
}

/** Every lead, person and organization in the sandbox belongs to this import (its origin id, its tag). */
export function onlyItsOwn(sandbox: RunningSandbox, importId: string, tag: string) {
  const data = sandbox.export();
  return {
    leads: data.leads.length,
    // The import's origin: its id, and the row's line when the worker set it (`imp-…:12`).
    foreignLeads: data.leads.filter(
      (l) =>
        (l.origin_id !== importId && !l.origin_id?.startsWith(`${importId}:`)) ||
        !l.title.startsWith(`${tag} `),
    ).length,
    foreignPersons: data.persons.filter((p) => !p.emails.every((e) => e.value.endsWith(`@${tag}.example`)))
      .length,
    foreignOrganizations: data.organizations.filter((o) => !o.name.startsWith(`${tag} `)).length,
  };
}

/** No lead (person, organization) landed in another company, none twice: each holds exactly its `rows` leads. */
export function expectEachHoldsItsOwn(
  companies: ThreeCompanies,
  rows: { a: number; b: number; c: number },
): void {
  for (const tag of ['a', 'b', 'c'] as const) {
    const sandbox = companies[tag];
    expect(onlyItsOwn(sandbox, `imp-${tag}`, tag), tag).toEqual({
      leads: rows[tag],
      foreignLeads: 0,
      foreignPersons: 0,
      foreignOrganizations: 0,
    });
    expect(sandbox.state(), tag).toMatchObject({
      duplicateLeads: 0,
      duplicatePersons: 0,
      duplicateOrganizations: 0,
    });
  }
}
