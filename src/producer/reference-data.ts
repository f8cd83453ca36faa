import { afterBursts } from '../pipedrive/burst-wait.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type { DealField, OffsetPage, PipedriveApi } from '../pipedrive/types.js';
import type { ReferenceData, ReferenceNeeds } from './mapping.js';

/**
 * Fetches the reference data a mapping needs, and nothing else: these are the only calls the
 * producer makes, all cheap reads (see {@link referenceDataCost}). They do not take the workers'
 * rolling windows (the producer may run without Redis: `--dry-run`), so while workers fill the
 * token's burst window they meet 429s: each is waited out as Pipedrive asks ({@link afterBursts}).
 */
export async function loadReferenceData(api: PipedriveApi, needs: ReferenceNeeds): Promise<ReferenceData> {
  const [currentUser, users, labels, currencies, dealFields, personFields, organizationFields] =
    await Promise.all([
      needs.currentUser ? afterBursts(() => api.getCurrentUser()) : undefined,
      needs.users ? afterBursts(() => api.getUsers()) : undefined,
      needs.labels ? afterBursts(() => api.getLeadLabels()) : undefined,
      needs.currencies ? afterBursts(() => api.getCurrencies()) : undefined,
      needs.dealFields ? allPages((q) => api.getDealFields(q)) : undefined,
      needs.personFields ? allPages((q) => api.getPersonFields(q)) : undefined,
      needs.organizationFields ? allPages((q) => api.getOrganizationFields(q)) : undefined,
    ]);
  return {
    ...(currentUser ? { currentUser } : {}),
    ...(users ? { users } : {}),
    ...(labels ? { labels } : {}),
    ...(currencies ? { currencies } : {}),
    ...(dealFields ? { dealFields } : {}),
    ...(personFields ? { personFields } : {}),
    ...(organizationFields ? { organizationFields } : {}),
  };
}

/** Every page of a field list (one page of 500 in all but the largest accounts). */
async function allPages(
  get: (query: { start: number; limit: number }) => Promise<OffsetPage<DealField>>,
): Promise<DealField[]> {
  const fields: DealField[] = [];
  let start = 0;
  for (let page = 0; page < 100; page++) {
    const result = await afterBursts(() => get({ start, limit: 500 }));
    fields.push(...result.items);
    if (!result.moreItems) break;
    start = result.nextStart ?? start + result.items.length;
  }
  return fields;
}

/** How many tokens loading these costs (for the dry run's account of its own spending). */
export function referenceDataCost(needs: ReferenceNeeds): number {
  return (
    (needs.currentUser ? TOKEN_COSTS['users.me'] : 0) +
    (needs.users ? TOKEN_COSTS['users.list'] : 0) +
    (needs.labels ? TOKEN_COSTS['leadLabels.list'] : 0) +
    (needs.currencies ? TOKEN_COSTS['currencies.list'] : 0) +
    (needs.dealFields ? TOKEN_COSTS['dealFields.list'] : 0) +
    (needs.personFields ? TOKEN_COSTS['personFields.list'] : 0) +
    (needs.organizationFields ? TOKEN_COSTS['organizationFields.list'] : 0)
  );
}
