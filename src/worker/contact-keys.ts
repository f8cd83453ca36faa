import type { Organization, Person } from '../pipedrive/types.js';
import { organizationKey, personKey } from '../queue/match-keys.js';

/** Every match key a listed person answers to: each of its emails, and its name at its organization. */
export function personKeysOf(person: Pick<Person, 'name' | 'emails'>, orgKey: string | undefined): string[] {
  const keys: string[] = [];
  for (const email of person.emails ?? []) {
    if (email?.value) keys.push(personKey({ email: email.value }));
  }
  // The name key is `n:<name>@<org key>`; without a known organization, only `@` (no org) matches.
  if (person.name) keys.push(`n:${organizationKey(person.name)}@${orgKey ?? ''}`);
  return keys;
}

export function organizationKeyOf(org: Pick<Organization, 'name'>): string {
  return organizationKey(org.name ?? '');
}

/** Pipedrive's `updated_since` takes RFC 3339 without fractions. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
