import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type { Organization, Person, PipedriveApi } from '../pipedrive/types.js';
import type { AdoptionBook } from './adoption-book.js';
import type { CacheWarmer } from './cache-warmer.js';
import type { ContactKind } from './contact-cache.js';
import { rfc3339 } from './contact-keys.js';
import type { CallContext, PipedriveGateway } from './pipedrive-gateway.js';

const PAGE_SIZE = 500;

export interface EpochReconcilerOptions {
  api: PipedriveApi;
  gateway: PipedriveGateway;
  warmer: CacheWarmer;
  adoption: AdoptionBook;
}

/** What one reconciliation listed and what it cost. */
export interface ReconcileStats {
  /** The listing's start (ms): the durable point minus the margin. */
  sinceMs: number;
  organizations: number;
  persons: number;
  /** Leads listed / kept for adoption (those with an `origin_id`). */
  leads: number;
  leadsKept: number;
  /** Notes on leads added since `sinceMs`. */
  notes: number;
  pages: number;
  tokens: number;
  durationMs: number;
}

/**
 * Lists what Pipedrive holds that was changed since a moment, so that nothing a lost intent
 * announced is created twice: organizations and persons (`/api/v2/…?updated_since=`, 10 tokens
 * per 500) go into the shared contact cache by match key, as cache warming puts them; leads
 * (`GET /v1/leads?updated_since=`, 20 per 500) and the notes added since (`GET /v1/notes`, newest
 * first, 20 per 500) go into the {@link AdoptionBook}. Lists read Pipedrive's database, not its
 * search index, so what was created a moment ago is there. For a few seconds of activity this is
 * one page of each: 60 tokens.
 */
export class EpochReconciler {
  constructor(private readonly options: EpochReconcilerOptions) {}

  async run(sinceMs: number, ctx: CallContext): Promise<ReconcileStats> {
    const startedAt = Date.now();
    const tokensBefore = ctx.tokens;
    const stats: ReconcileStats = {
      sinceMs,
      organizations: 0,
      persons: 0,
      leads: 0,
      leadsKept: 0,
      notes: 0,
      pages: 0,
      tokens: 0,
      durationMs: 0,
    };
    const since = rfc3339(sinceMs);
    // Organizations first: a person's name key holds its organization's.
    stats.organizations = await this.contacts('org', since, ctx, stats);
    stats.persons = await this.contacts('person', since, ctx, stats);
    await this.leads(since, ctx, stats);
    await this.notes(sinceMs, ctx, stats);
    stats.tokens = ctx.tokens - tokensBefore;
    stats.durationMs = Date.now() - startedAt;
    return stats;
  }

  private async contacts(kind: ContactKind, since: string, ctx: CallContext, stats: ReconcileStats) {
    const { api, gateway, warmer } = this.options;
    let cursor: string | undefined;
    let n = 0;
    for (;;) {
      const query = {
        updated_since: since,
        limit: PAGE_SIZE,
        sort_by: 'id' as const,
        ...(cursor ? { cursor } : {}),
      };
      const page: { items: (Person | Organization)[]; nextCursor: string | null } =
        kind === 'org'
          ? await gateway.call('organizations.list', ctx, (o) => api.listOrganizations(query, o))
          : await gateway.call('persons.list', ctx, (o) => api.listPersons(query, o));
      stats.pages++;
      n += page.items.length;
      await warmer.addListed(kind, page.items);
      if (!page.nextCursor) return n;
      cursor = page.nextCursor;
    }
  }

  private async leads(since: string, ctx: CallContext, stats: ReconcileStats): Promise<void> {
    const { api, gateway, adoption } = this.options;
    for (let start = 0; ; ) {
      const page = await gateway.call('leads.list', ctx, (o) =>
        api.listLeads({ updated_since: since, start, limit: PAGE_SIZE }, o),
      );
      stats.pages++;
      stats.leads += page.items.length;
      stats.leadsKept += await adoption.offerLeads(page.items);
      if (!page.moreItems || page.items.length === 0) return;
      start = page.nextStart ?? start + page.items.length;
    }
  }

  /**
   * Notes have no `updated_since`: list them newest first until one is older than the window.
   * `add_time` is in whole seconds (UTC), so one second more is read.
   */
  private async notes(sinceMs: number, ctx: CallContext, stats: ReconcileStats): Promise<void> {
    const { api, gateway, adoption } = this.options;
    const floor = sinceMs - 1000;
    for (let start = 0; ; ) {
      const page = await gateway.call('notes.list', ctx, (o) =>
        api.listNotes({ sort: 'add_time DESC', start, limit: PAGE_SIZE }, o),
      );
      stats.pages++;
      const recent = page.items.filter((n) => noteTime(n.add_time) >= floor);
      stats.notes += await adoption.offerNotes(recent);
      if (recent.length < page.items.length || !page.moreItems || page.items.length === 0) return;
      start = page.nextStart ?? start + page.items.length;
    }
  }
}

/** v1 times are `YYYY-MM-DD HH:MM:SS` in UTC. */
function noteTime(value: string): number {
  const ms = Date.parse(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** What a reconciliation costs at least: one page of each list. */
export const MIN_RECONCILE_TOKENS =
  TOKEN_COSTS['organizations.list'] +
  TOKEN_COSTS['persons.list'] +
  TOKEN_COSTS['leads.list'] +
  TOKEN_COSTS['notes.list'];
