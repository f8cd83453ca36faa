/** Pipedrive's plans and what they allow (pipedrive-api.md §3): the daily budget and the burst limits. */

export type Plan = 'lite' | 'growth' | 'premium' | 'ultimate';
export type AuthKind = 'api_token' | 'oauth';
export const PLANS: readonly Plan[] = ['lite', 'growth', 'premium', 'ultimate'];

/** Daily token budget multiplier per plan (pipedrive-api.md §3.2). */
export const PLAN_MULTIPLIER: Record<Plan, number> = { lite: 1, growth: 2, premium: 5, ultimate: 7 };

/** Requests per rolling 2-second window with an API token (pipedrive-api.md §3.4). OAuth apps get 4×. */
export const PLAN_BURST_PER_2S: Record<Plan, number> = { lite: 20, growth: 40, premium: 100, ultimate: 120 };

/** Search API: 10 requests per 2 s on every plan and auth type. */
export const SEARCH_BURST_PER_2S = 10;

export function burstLimitPer2s(plan: Plan, auth: AuthKind): number {
  return PLAN_BURST_PER_2S[plan] * (auth === 'oauth' ? 4 : 1);
}

export function dailyTokenBudget(plan: Plan, seats: number): number {
  return 30_000 * PLAN_MULTIPLIER[plan] * seats;
}
