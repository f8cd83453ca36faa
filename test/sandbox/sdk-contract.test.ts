/**
 * Contract test: the official Pipedrive Node SDK (npm `pipedrive`) works unchanged against the
 * sandbox. If Pipedrive's own client can talk to it, the sandbox's paths, auth, bodies and shapes
 * are what real integrations expect.
 */
import { v1, v2 } from 'pipedrive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INDUSTRY_OPTIONS,
  LEAD_LABEL_IDS,
  PERSON_FIELD_KEYS,
  PERSON_LABEL_OPTIONS,
  PREFERRED_LANGUAGE_OPTIONS,
  type RunningSandbox,
  startSandbox,
} from '../../src/sandbox/index.js';

let sandbox: RunningSandbox;
let c1: v1.Configuration;
let c2: v2.Configuration;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: false });
  c1 = new v1.Configuration({ apiKey: sandbox.apiToken, basePath: `${sandbox.url}/api/v1` });
  c2 = new v2.Configuration({ apiKey: sandbox.apiToken, basePath: `${sandbox.url}/api/v2` });
});
afterAll(() => sandbox.close());

describe('the official SDK against the sandbox', () => {
  it('creates an organization, a person and a lead, and finds them by search', async () => {
    const orgs = new v2.OrganizationsApi(c2);
    const persons = new v2.PersonsApi(c2);
    const leads = new v1.LeadsApi(c1);

    const org = await orgs.addOrganization({ AddOrganizationRequest: { name: 'Acme Corp' } });
    expect(org.success).toBe(true);
    const orgId = org.data?.id;
    expect(orgId).toEqual(expect.any(Number));

    const person = await persons.addPerson({
      AddPersonRequest: {
        name: 'Jane Doe',
        org_id: orgId,
        emails: [{ value: 'jane@acme.test', primary: true, label: 'work' }],
      },
    });
    expect(person.data).toMatchObject({
      name: 'Jane Doe',
      org_id: orgId,
      emails: [{ value: 'jane@acme.test' }],
    });

    const lead = await leads.addLead({
      AddLeadRequest: {
        title: 'Jane Doe lead',
        person_id: person.data?.id,
        organization_id: orgId,
        label_ids: [LEAD_LABEL_IDS.warm],
        value: { amount: 1200, currency: 'EUR' },
        visible_to: '3',
      },
    });
    expect(lead.success).toBe(true);
    expect(lead.data).toMatchObject({
      title: 'Jane Doe lead',
      source_name: 'API',
      person_id: person.data?.id,
    });

    const found = await persons.searchPersons({
      term: 'jane@acme.test',
      fields: 'email',
      exact_match: true,
      limit: 1,
    });
    expect(found.data?.items?.[0]?.item).toMatchObject({ id: person.data?.id, emails: ['jane@acme.test'] });

    const foundOrg = await orgs.searchOrganization({ term: 'acme corp', exact_match: true });
    expect(foundOrg.data?.items?.map((i) => i.item?.id)).toEqual([orgId]);

    expect(sandbox.state()).toMatchObject({ persons: 1, organizations: 1, leads: 1 });
  });

  it('reads lead labels and the current user', async () => {
    const labels = await new v1.LeadLabelsApi(c1).getLeadLabels();
    expect(labels.data?.map((l) => l.name)).toEqual(['Hot', 'Warm', 'Cold']);
    const me = await new v1.UsersApi(c1).getCurrentUser();
    expect(me.data).toMatchObject({ id: 1, company_domain: 'sandbox' });
  });

  it('reads the person and organization field catalogues', async () => {
    const personFields = await new v1.PersonFieldsApi(c1).getPersonFields({ start: 0, limit: 500 });
    expect(personFields.success).toBe(true);
    const byKey = new Map(personFields.data?.map((f) => [f.key, f]));
    expect(byKey.get('job_title')).toMatchObject({ field_type: 'varchar', edit_flag: false });
    expect(byKey.get(PERSON_FIELD_KEYS.preferredLanguage)).toMatchObject({
      field_type: 'enum',
      edit_flag: true,
    });
    const orgFields = await new v1.OrganizationFieldsApi(c1).getOrganizationFields();
    expect(orgFields.data?.find((f) => f.key === 'industry')?.options).toContainEqual({
      id: INDUSTRY_OPTIONS[0].id,
      label: INDUSTRY_OPTIONS[0].label,
    });
  });

  it('adds a note to a lead, lists it and deletes it', async () => {
    const notes = new v1.NotesApi(c1);
    const person = await new v2.PersonsApi(c2).addPerson({ AddPersonRequest: { name: 'Noted Person' } });
    const lead = await new v1.LeadsApi(c1).addLead({
      AddLeadRequest: { title: 'Noted lead', person_id: person.data?.id },
    });
    const leadId = lead.data?.id as string;

    const added = await notes.addNote({
      AddNoteRequest: { content: '<p>Wants a demo</p>', lead_id: leadId, pinned_to_lead_flag: 1 },
    });
    expect(added).toMatchObject({
      success: true,
      data: { content: '<p>Wants a demo</p>', lead_id: leadId, pinned_to_lead_flag: true },
    });

    const listed = await notes.getNotes({ lead_id: leadId, sort: 'add_time DESC', limit: 50 });
    expect(listed.data?.map((n) => n.id)).toEqual([added.data?.id]);
    expect(listed.additional_data?.pagination).toMatchObject({ start: 0, more_items_in_collection: false });

    const deleted = await notes.deleteNote({ id: added.data?.id as number });
    expect(deleted).toEqual({ success: true, data: true });
    expect((await notes.getNotes({ lead_id: leadId })).data).toEqual([]);
  });

  it('updates a person with PATCH, changing only what it sends', async () => {
    const persons = new v2.PersonsApi(c2);
    const created = await persons.addPerson({
      AddPersonRequest: {
        name: 'Patch Me',
        emails: [{ value: 'patch@acme.test', primary: true, label: 'work' }],
        label_ids: [PERSON_LABEL_OPTIONS[0].id],
      },
    });
    const id = created.data?.id as number;
    const updated = await persons.updatePerson({
      id,
      UpdatePersonRequest: {
        job_title: 'VP Sales',
        birthday: '1980-05-17',
        postal_address: { value: 'Main St 1, Springfield', locality: 'Springfield' },
        custom_fields: { [PERSON_FIELD_KEYS.preferredLanguage]: PREFERRED_LANGUAGE_OPTIONS[1].id },
      },
    });
    expect(updated.data).toMatchObject({
      id,
      name: 'Patch Me',
      job_title: 'VP Sales',
      birthday: '1980-05-17',
      postal_address: { value: 'Main St 1, Springfield', locality: 'Springfield' },
      emails: [{ value: 'patch@acme.test', primary: true, label: 'work' }],
      label_ids: [PERSON_LABEL_OPTIONS[0].id],
      custom_fields: { [PERSON_FIELD_KEYS.preferredLanguage]: PREFERRED_LANGUAGE_OPTIONS[1].id },
    });
    expect((await persons.getPerson({ id })).data).toEqual(updated.data);
  });

  it('surfaces validation errors as the SDK does: the rejected promise carries the error envelope', async () => {
    const rejection = await new v1.LeadsApi(c1)
      .addLead({ AddLeadRequest: { title: 'No link' } })
      .catch((e) => e);
    expect(rejection).toMatchObject({
      success: false,
      error: expect.stringMatching(/person_id or organization_id/),
    });
  });
});
