export {
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  PipedriveClient,
  type PipedriveClientOptions,
} from './client.js';
export {
  errorFromNoResponse,
  errorFromResponse,
  isAbortedError,
  isAuthError,
  isNetworkError,
  isNotFoundError,
  isPaymentRequiredError,
  isPermissionError,
  isPipedriveError,
  isRateLimitError,
  isRedirectError,
  isRetryable,
  isServerError,
  isTimeoutError,
  isValidationError,
  PipedriveAbortedError,
  PipedriveAuthError,
  PipedriveError,
  type PipedriveErrorFields,
  PipedriveNetworkError,
  PipedriveNotFoundError,
  PipedrivePaymentRequiredError,
  PipedrivePermissionError,
  PipedriveRateLimitError,
  PipedriveRedirectError,
  PipedriveServerError,
  PipedriveTimeoutError,
  PipedriveValidationError,
  redactSecrets,
} from './errors.js';
export {
  DEFAULT_REFRESH_SKEW_MS,
  type OAuthOptions,
  OAuthTokenProvider,
  type OAuthTokens,
  PIPEDRIVE_TOKEN_URL,
} from './oauth.js';
export {
  DEFAULT_RETRY_AFTER_MS,
  parseRateLimitHeaders,
  parseRetryAfterSeconds,
  type RateLimitScope,
  rateLimitScope,
  retryAfterMsFor,
} from './rate-limit.js';
export { type ApiVersion, ENDPOINTS, type Endpoint, TOKEN_COSTS, tokenCostOf } from './token-costs.js';
export type * from './types.js';
