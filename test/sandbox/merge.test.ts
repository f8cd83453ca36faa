import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { sandboxClient } from './sandbox-client.js';

let sandbox: RunningSandbox;
let api: ReturnType<typeof sandboxClient>;
beforeAll(async () => {
  sandbox = await startSandbox({ limits: false, searchLagMs: 0 });
  api = sandboxClient(sandbox);
});
afterAll(() => sandbox.close());

describe('sandbox merges (PUT /v1/persons|organizations/{id}/merge)', () => {
  it('merges a person into the one named by merge_with_id: its emails, phones, leads and notes move there', async () => {
    const orgId = await api.org('Merge Co');
    const kept = (
      await api.post('/api/v2/persons', {
        name: 'Ann Lee',
        emails: [{ value: 'ann@merge.example', primary: true }],
        job_title: 'CEO',
      })
    ).body.data.id as number;
    const gone = (
      await api.post('/api/v2/persons', {
        name: 'Ann Lee',
        org_id: orgId,
        emails: [
          { value: 'ANN@merge.example', primary: true },
          { value: 'ann.lee@home.example', primary: false },
        ],
        phones: [{ value: '+3725551234', primary: true }],
        job_title: 'Founder',
      })
    ).body.data.id as number;
    const lead = (await api.post('/v1/leads', { title: 'Ann’s lead', person_id: gone })).body.data
      .id as string;
    const note = (await api.post('/v1/notes', { content: 'Met Ann', person_id: gone })).body.data
      .id as number;
    expect(sandbox.state().duplicatePersons).toBe(1);

    const merged = await api.put(`/v1/persons/${gone}/merge`, { merge_with_id: kept });
    expect(merged.status).toBe(200);
    expect(merged.body).toEqual({ success: true, data: { id: kept, merge_what_id: gone } });

    const survivor = (await api.get(`/api/v2/persons/${kept}`)).body.data;
    // Its own data wins a conflict (the job title, the primary email); what it lacked comes from the other.
    expect(survivor).toMatchObject({ job_title: 'CEO', org_id: orgId });
    expect(survivor.emails).toEqual([
      { value: 'ann@merge.example', primary: true, label: 'work' },
      { value: 'ann.lee@home.example', primary: false, label: 'work' },
    ]);
    expect(survivor.phones.map((p: { value: string; primary: boolean }) => [p.value, p.primary])).toEqual([
      ['+3725551234', false],
    ]);
    expect((await api.get(`/v1/leads/${lead}`)).body.data.person_id).toBe(kept);
    expect((await api.get(`/v1/notes/${note}`)).body.data.person_id).toBe(kept);
    // The other is deleted, and the merged-in address now finds the survivor.
    expect((await api.get(`/api/v2/persons/${gone}`)).body.data?.is_deleted ?? true).toBe(true);
    const found = await api.get(
      '/api/v2/persons/search?term=ann.lee@home.example&fields=email&exact_match=true',
    );
    expect(found.body.data.items.map((i: { item: { id: number } }) => i.item.id)).toEqual([kept]);
    expect(sandbox.state().duplicatePersons).toBe(0);
  });

  it('merges an organization: its persons, leads and notes move to the survivor, and it is deleted', async () => {
    const kept = await api.org('Globex');
    const gone = (await api.post('/api/v2/organizations', { name: 'Globex', website: 'globex.example' })).body
      .data.id as number;
    const person = await api.person('Cy Ng', 'cy@globex.example', gone);
    const lead = (await api.post('/v1/leads', { title: 'Globex deal', organization_id: gone })).body.data.id;
    const duplicatesBefore = sandbox.state().duplicateOrganizations;

    const merged = await api.put(`/v1/organizations/${gone}/merge`, { merge_with_id: kept });
    expect(merged.body).toEqual({ success: true, data: { id: kept, merge_what_id: gone } });
    expect((await api.get(`/api/v2/persons/${person}`)).body.data.org_id).toBe(kept);
    expect((await api.get(`/v1/leads/${lead}`)).body.data.organization_id).toBe(kept);
    expect((await api.get(`/api/v2/organizations/${kept}`)).body.data.website).toBe('globex.example');
    expect(sandbox.state().duplicateOrganizations).toBe(duplicatesBefore - 1);
    const exported = sandbox.export().organizations.filter((o) => o.name === 'Globex');
    expect(exported.map((o) => [o.id, o.is_deleted])).toEqual([
      [kept, false],
      [gone, true],
    ]);
  });

  it('refuses a merge with itself, without merge_with_id, or with a contact that is gone', async () => {
    const a = await api.person('Bo Ek', 'bo@x.example');
    const b = await api.person('Bo Ek', 'bo.ek@x.example');
    expect((await api.put(`/v1/persons/${a}/merge`, { merge_with_id: a })).status).toBe(400);
    expect((await api.put(`/v1/persons/${a}/merge`, {})).status).toBe(400);
    expect((await api.put(`/v1/persons/${a}/merge`, { merge_with_id: '2' })).status).toBe(400);
    expect((await api.put(`/v1/persons/${a}/merge`, { merge_with_id: 999_999 })).status).toBe(404);
    expect((await api.put(`/v1/persons/${a}/merge`, { merge_with_id: b })).status).toBe(200);
    // `a` is gone now: merging it again, or into it, finds nothing.
    expect((await api.put(`/v1/persons/${a}/merge`, { merge_with_id: b })).status).toBe(404);
    expect((await api.put(`/v1/persons/${b}/merge`, { merge_with_id: a })).status).toBe(404);
  });
});
