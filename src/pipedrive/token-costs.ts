import type { Operation } from './types.js';

/** Which API an endpoint lives in: v1 at `{baseUrl}/api/v1`, v2 at `{baseUrl}/api/v2`, OAuth at the token URL. */
export type ApiVersion = 'v1' | 'v2' | 'oauth';

export interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  api: ApiVersion;
  /** Path as the OpenAPI spec writes it, relative to the version prefix, e.g. `/leads/{id}`. */
  path: string;
}

/**
 * The endpoint behind each operation. The client builds its URLs from this table, and the token-cost
 * test looks every entry up in ../shared/pipedrive-openapi, so the costs below cannot drift from the spec.
 */
export const ENDPOINTS: Readonly<Record<Operation, Endpoint>> = {
  'leads.add': { method: 'POST', api: 'v1', path: '/leads' },
  'leads.get': { method: 'GET', api: 'v1', path: '/leads/{id}' },
  'leads.delete': { method: 'DELETE', api: 'v1', path: '/leads/{id}' },
  'leads.list': { method: 'GET', api: 'v1', path: '/leads' },
  'leads.search': { method: 'GET', api: 'v2', path: '/leads/search' },
  'leadLabels.list': { method: 'GET', api: 'v1', path: '/leadLabels' },
  'leadSources.list': { method: 'GET', api: 'v1', path: '/leadSources' },
  'users.me': { method: 'GET', api: 'v1', path: '/users/me' },
  'users.list': { method: 'GET', api: 'v1', path: '/users' },
  'currencies.list': { method: 'GET', api: 'v1', path: '/currencies' },
  'dealFields.list': { method: 'GET', api: 'v1', path: '/dealFields' },
  'personFields.list': { method: 'GET', api: 'v1', path: '/personFields' },
  'organizationFields.list': { method: 'GET', api: 'v1', path: '/organizationFields' },
  'notes.add': { method: 'POST', api: 'v1', path: '/notes' },
  'notes.list': { method: 'GET', api: 'v1', path: '/notes' },
  'notes.get': { method: 'GET', api: 'v1', path: '/notes/{id}' },
  'notes.delete': { method: 'DELETE', api: 'v1', path: '/notes/{id}' },
  'persons.add': { method: 'POST', api: 'v2', path: '/persons' },
  'persons.get': { method: 'GET', api: 'v2', path: '/persons/{id}' },
  'persons.update': { method: 'PATCH', api: 'v2', path: '/persons/{id}' },
  'persons.search': { method: 'GET', api: 'v2', path: '/persons/search' },
  'persons.list': { method: 'GET', api: 'v2', path: '/persons' },
  'persons.delete': { method: 'DELETE', api: 'v2', path: '/persons/{id}' },
  'organizations.add': { method: 'POST', api: 'v2', path: '/organizations' },
  'organizations.get': { method: 'GET', api: 'v2', path: '/organizations/{id}' },
  'organizations.update': { method: 'PATCH', api: 'v2', path: '/organizations/{id}' },
  'organizations.search': { method: 'GET', api: 'v2', path: '/organizations/search' },
  'organizations.list': { method: 'GET', api: 'v2', path: '/organizations' },
  'organizations.delete': { method: 'DELETE', api: 'v2', path: '/organizations/{id}' },
  'oauth.token': { method: 'POST', api: 'oauth', path: '/oauth/token' },
};

/**
 * Daily-budget tokens each operation costs: the `x-token-cost` of its endpoint in Pipedrive's OpenAPI specs
 * (pipedrive-api.md §3.3). A list or search costs the same for any page size up to 500, so bigger pages are
 * cheaper per item. Whether Pipedrive charges for a failed request is undocumented (§12.4).
 */
export const TOKEN_COSTS: Readonly<Record<Operation, number>> = {
  'leads.add': 10,
  'leads.get': 2,
  'leads.delete': 6,
  'leads.list': 20,
  'leads.search': 20,
  'leadLabels.list': 10,
  'leadSources.list': 2,
  'users.me': 2,
  'users.list': 20,
  'currencies.list': 20,
  'dealFields.list': 20,
  'personFields.list': 20,
  'organizationFields.list': 20,
  'notes.add': 10,
  'notes.list': 20,
  'notes.get': 2,
  'notes.delete': 6,
  'persons.add': 5,
  'persons.get': 1,
  'persons.update': 5,
  'persons.search': 20,
  'persons.list': 10,
  'persons.delete': 3,
  'organizations.add': 5,
  'organizations.get': 1,
  'organizations.update': 5,
  'organizations.search': 20,
  'organizations.list': 10,
  'organizations.delete': 3,
  'oauth.token': 0,
};

/** Tokens one call of `operation` costs. */
export function tokenCostOf(operation: Operation): number {
  return TOKEN_COSTS[operation];
}
