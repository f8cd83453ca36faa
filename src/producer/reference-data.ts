import { afterBursts } from '../pipedrive/burst-wait.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type {
  CallOptions,
  DealField,
  OffsetPage,
  Operation,
  PipedriveApi,
  User,
} from '../pipedrive/types.js';
import type { ReferenceData, ReferenceNeeds } from './mapping.js';

/** How one reference read is sent: {@link unadmitted}, or an operator's guarded call (`openGuardedPipedrive`). */
export type ReferenceCall = <T>(operation: Operation, fn: (options: CallOptions) => Promise<T>) => Promise<T>;

/**
 * A read outside the workers' rolling windows, for the producer without Redis (`--dry-run`) or with an API
 * of its caller's: while workers fill the token's burst window it meets 429s, each waited out as Pipedrive
 * asks ({@link afterBursts}).
 */
export const unadmitted: ReferenceCall = (_operation, fn) => afterBursts(() => fn({}));

/**
 * Fetches the reference data a mapping needs, and nothing else: these are the only calls the
 * producer makes, all cheap reads (see {@link referenceDataCost}). An import sends them through the
 * workers' admission (`call`: the token's windows in Redis, the company's budget); `currentUser`, when the
 * caller has it already (the answer that named the budget), is not read again.
 */
export async function loadReferenceData(
  api: PipedriveApi,
  needs: ReferenceNeeds,
  call: ReferenceCall = unadmitted,
  known: { currentUser?: User } = {},
): Promise<ReferenceData> {
  const [currentUser, users, labels, currencies, dealFields, personFields, organizationFields] =
    await Promise.all([
      needs.currentUser ? (known.currentUser ?? call('users.me', (o) => api.getCurrentUser(o))) : undefined,
      needs.users ? call('users.list', (o) => api.getUsers(o)) : undefined,
      needs.labels ? call('leadLabels.list', (o) => api.getLeadLabels(o)) : undefined,
      needs.currencies ? call('currencies.list', (o) => api.getCurrencies({}, o)) : undefined,
      needs.dealFields ? allPages('dealFields.list', call, (q, o) => api.getDealFields(q, o)) : undefined,
      needs.personFields
        ? allPages('personFields.list', call, (q, o) => api.getPersonFields(q, o))
        : undefined,
      needs.organizationFields
        ? allPages('organizationFields.list', call, (q, o) => api.getOrganizationFields(q, o))
        : undefined,
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
  operation: Operation,
  call: ReferenceCall,
  get: (query: { start: number; limit: number }, options: CallOptions) => Promise<OffsetPage<DealField>>,
): Promise<DealField[]> {
  const fields: DealField[] = [];
  let start = 0;
  for (let page = 0; page < 100; page++) {
    const result = await call(operation, (o) => get({ start, limit: 500 }, o));
    fields.push(...result.items);
    if (!result.moreItems) break;
    start = result.nextStart ?? start + result.items.length;
  }
  return fields;
}

/**
 * How many tokens loading these costs (for the dry run's account of its own spending), one page of each field
 * list: a list longer than a page (500 fields) costs its operation's tokens again per further page.
 */
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

/**
 * The most an import's reads of the account cost, one page of each list, from the token-cost table: every list a
 * mapping can want, and `users/me` (which an import reads whether the mapping wants the user or not, to name the
 * budget). README's figure is this one (`test/producer/reference-data-cost.test.ts` holds them together).
 */
export const REFERENCE_DATA_MAX_TOKENS = referenceDataCost({
  currentUser: true,
  users: true,
  labels: true,
  currencies: true,
  dealFields: true,
  personFields: true,
  organizationFields: true,
});
