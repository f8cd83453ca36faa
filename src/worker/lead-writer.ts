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
  /** The row's line in its file: its lead's `origin_id` by default ({@link leadOriginOf}). */
  line?: number | undefined;
  lead: LeadFields;
  personId?: number | undefined;
  organizationId?: number | undefined;
}

/**
 * A lead's `origin_id` when the mapping sets none: the import id and the row's line, `imp-3f2a9c41d0e7:12`. Per row, so
 * that a look for a lost create finds that row's lead and no other: two rows of a file can make leads alike in
 * everything else (a company list's rows of one company, a person listed twice), and with the import id alone a row
 * whose create failed took its twin's lead (a 5xx on 30 % of calls: 200 rows recorded as created, 141 leads, notes
 * piled on one). Leads of imports before it carry the import id alone (`importId` without a line: the same).
 */
export function leadOriginOf(importId: string, line: number | undefined): string {
  return line === undefined ? importId : `${importId}:${line}`;
}

/** The body of `POST /v1/leads`: custom fields flat at the root (pipedrive-api.md §4.5). */
export function leadBodyOf(target: LeadTarget): AddLeadBody {
  const { custom_fields: custom, ...lead } = target.lead;
  const body: AddLeadBody = { ...(custom ?? {}), ...lead, title: lead.title };
  if (target.personId !== undefined) body.person_id = target.personId;
  if (target.organizationId !== undefined) body.organization_id = target.organizationId;
  // So anyone can see in Pipedrive which import and row created a lead, and so a retry can recognise it.
  if (body.origin_id === undefined) body.origin_id = leadOriginOf(target.importId, target.line);
  return body;
}

/**
 * Adds the lead exactly once. The processor records the intent (`checkpoint.leadIntentAt`)
 * before calling {@link create}; a later attempt that finds an intent without a lead id calls
 * {@link findExisting} first: `GET /v1/leads?person_id=…` (or `organization_id`) `&updated_since=`
 * the intent, matching title, person, organization and `origin_id`, which names the row
 * ({@link leadOriginOf}). Lists read the database, so search lag does not matter. Limit: with a mapping's own
 * `origin_id`, two rows of one import with the same title, person, organization and origin are indistinguishable.
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
      const alike = (l: Lead) =>
        l.title === body.title &&
        (l.person_id ?? undefined) === target.personId &&
        (l.organization_id ?? undefined) === target.organizationId;
      // The row's own origin; an intent written before origins named the row (an import under way across the
      // upgrade) made a lead with the import id alone, found as before.
      const legacy = target.lead.origin_id === undefined ? target.importId : undefined;
      const match =
        result.items.find((l) => alike(l) && (l.origin_id ?? undefined) === body.origin_id) ??
        (legacy === undefined ? undefined : result.items.find((l) => alike(l) && l.origin_id === legacy));
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
