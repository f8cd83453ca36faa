import type { AddLeadBody, Lead, PipedriveApi } from '../pipedrive/types.js';
import type { LeadFields } from '../queue/job-data.js';
import { rfc3339 } from './contact-keys.js';
import { createOnce } from './create-once.js';
import type { CallContext, PipedriveGateway } from './pipedrive-gateway.js';

/** Pages of a person's (or organization's) recent leads looked through for a lost create. */
const MAX_LOOKUP_PAGES = 5;

export interface LeadWriterOptions {
  api: PipedriveApi;
  gateway: PipedriveGateway;
  /** Extra tries of `POST /v1/leads` whose outcome is unknown (each preceded by a look). */
  createRetries: number;
  clockSkewMs: number;
}

export interface LeadTarget {
  importId: string;
  lead: LeadFields;
  personId?: number | undefined;
  organizationId?: number | undefined;
}

/** The body of `POST /v1/leads`: custom fields flat at the root (pipedrive-api.md §4.5). */
export function leadBodyOf(target: LeadTarget): AddLeadBody {
  const { custom_fields: custom, ...lead } = target.lead;
  const body: AddLeadBody = { ...(custom ?? {}), ...lead, title: lead.title };
  if (target.personId !== undefined) body.person_id = target.personId;
  if (target.organizationId !== undefined) body.organization_id = target.organizationId;
  // So anyone can see in Pipedrive which import created a lead, and so a retry can recognise it.
  if (body.origin_id === undefined) body.origin_id = target.importId;
  return body;
}

/**
 * Adds the lead exactly once. The processor records the intent (`checkpoint.leadIntentAt`)
 * before calling {@link create}; a later attempt that finds an intent without a lead id calls
 * {@link findExisting} first: `GET /v1/leads?person_id=…` (or `organization_id`) `&updated_since=`
 * the intent, matching title, person, organization and `origin_id`. Lists read the database, so
 * search lag does not matter. Limit: two rows of one import with the same title, person and
 * organization are indistinguishable (Pipedrive would count them as duplicates anyway).
 */
export class LeadWriter {
  constructor(private readonly options: LeadWriterOptions) {}

  async findExisting(target: LeadTarget, intentAt: number, ctx: CallContext): Promise<Lead | undefined> {
    const { api, gateway } = this.options;
    const body = leadBodyOf(target);
    const by =
      target.personId !== undefined
        ? { person_id: target.personId }
        : { organization_id: target.organizationId! };
    const limit = 500;
    for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
      const result = await gateway.call('leads.list', ctx, (o) =>
        api.listLeads(
          { ...by, updated_since: rfc3339(intentAt - this.options.clockSkewMs), start: page * limit, limit },
          o,
        ),
      );
      const match = result.items.find(
        (l) =>
          l.title === body.title &&
          (l.person_id ?? undefined) === target.personId &&
          (l.organization_id ?? undefined) === target.organizationId &&
          (l.origin_id ?? undefined) === body.origin_id,
      );
      if (match) return match;
      if (!result.moreItems) return undefined;
    }
    return undefined;
  }

  /**
   * Sends `POST /v1/leads`; after a failure whose outcome is unknown, looks before re-sending.
   * `onNotCreated` is told when an answer proves nothing was created (the intent can go).
   */
  async create(
    target: LeadTarget,
    intentAt: number,
    ctx: CallContext,
    onNotCreated: () => Promise<void>,
  ): Promise<Lead> {
    const { api, gateway } = this.options;
    const body = leadBodyOf(target);
    return createOnce({
      send: () => gateway.call('leads.add', ctx, (o) => api.addLead(body, o), { retry: false }),
      find: () => this.findExisting(target, intentAt, ctx),
      onNotCreated,
      retries: this.options.createRetries,
      gateway,
      ctx,
    });
  }
}
