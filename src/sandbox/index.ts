/**
 * The local Pipedrive: `startSandbox()` serves the endpoints the importer uses, in memory, with
 * Pipedrive's envelopes, validation, limits and (optionally) faults. See `server.ts` for the
 * request pipeline and `limits.ts` for the limit model and its documented choices.
 */
import type { RuntimeOptions, SandboxOptions } from './options.js';
import { COMPANY } from './seed.js';
import { type RequestLogEntry, Sandbox, type SandboxState } from './server.js';
import type { SandboxExport } from './store.js';

export { sanitizeNoteContent } from './note-validation.js';
export type {
  LeadListPagination,
  RateLimitResetUnit,
  RuntimeOptions,
  SandboxAuth,
  SandboxOAuthOptions,
  SandboxOptions,
  SandboxPlan,
} from './options.js';
export {
  dailyBudgetOf,
  PLAN_BURST_LIMIT,
  PLAN_MULTIPLIER,
  SandboxOptionError,
  SEARCH_BURST_LIMIT,
} from './options.js';
export {
  CHANNEL_OPTIONS,
  COMPANY,
  CUSTOM_FIELD_KEYS,
  INDUSTRY_OPTIONS,
  INTEREST_OPTIONS,
  LEAD_LABEL_IDS,
  MARKETING_STATUS_OPTIONS,
  ME_USER_ID,
  ORGANIZATION_FIELD_KEYS,
  ORGANIZATION_LABEL_OPTIONS,
  PERSON_FIELD_KEYS,
  PERSON_LABEL_OPTIONS,
  PIPELINES,
  PREFERRED_LANGUAGE_OPTIONS,
  PRODUCTS_USED_OPTIONS,
  SEGMENT_OPTIONS,
  TIER_OPTIONS,
} from './seed.js';
export type { RequestLogEntry, SandboxState } from './server.js';
export type { SandboxExport } from './store.js';

export interface RunningSandbox {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. v1 at `/api/v1` or `/v1`, v2 at `/api/v2`. */
  readonly url: string;
  readonly port: number;
  /** The API token the sandbox accepts (now: {@link RunningSandbox.setApiToken} replaces it). */
  readonly apiToken: string;
  /** The company id `GET /v1/users/me` reports (the `companyId` option). */
  readonly companyId: number;
  /** Stops the server and frees every connection, including hanging ones. Idempotent. */
  close(): Promise<void>;
  /** The same object as `GET /_sandbox/state`. */
  state(): SandboxState;
  /** Every stored person, organization and deal (deleted ones included), lead and note. */
  export(): SandboxExport;
  /** Empties data (notes included), limits, counters and the request log; re-seeds faults. */
  reset(): void;
  /** Starts a new daily budget (as if server midnight had passed). */
  newDay(): void;
  /** Spends what is left of today's budget. */
  exhaustBudget(): void;
  /** Accepts `token` from now on and answers 401 to the previous one (a revoked token). */
  setApiToken(token: string): void;
  /** Deactivates the user with this email (a rep who left); false when there is none. */
  deactivateUser(email: string): boolean;
  /** Changes latency, faults, limits, plan … at runtime; returns the runtime options now in force. */
  configure(options: RuntimeOptions): RuntimeOptions;
  /** Recent API requests (method, path without query, status, ms), oldest first; bounded. */
  requests(): RequestLogEntry[];
  /** An OAuth access token accepted as `Authorization: Bearer`, without calling the token endpoint. */
  issueAccessToken(): string;
}

/** Starts a sandbox; `port: 0` (the default) picks a free port. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = new Sandbox(options);
  await sandbox.listen();
  return {
    url: sandbox.url,
    port: sandbox.port,
    get apiToken() {
      return sandbox.apiToken;
    },
    companyId: options.companyId ?? COMPANY.id,
    close: () => sandbox.close(),
    state: () => sandbox.state(),
    export: () => sandbox.export(),
    reset: () => sandbox.reset(),
    newDay: () => sandbox.newDay(),
    exhaustBudget: () => sandbox.exhaustBudget(),
    setApiToken: (token) => sandbox.setApiToken(token),
    deactivateUser: (email) => sandbox.deactivateUser(email),
    configure: (o) => sandbox.configure(o),
    requests: () => sandbox.requests(),
    issueAccessToken: () => sandbox.issueAccessToken(),
  };
}
