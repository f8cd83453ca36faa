/**
 * Contract test: the official Pipedrive Node SDK (npm `pipedrive`) works unchanged against the
 * sandbox. If Pipedrive's own client can talk to it, the sandbox's paths, auth, bodies and shapes
 * are what real integrations expect.
 */
import { v1, v2 } from 'pipedrive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEAD_LABEL_IDS, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';

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
