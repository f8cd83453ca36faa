/**
 * Match keys decide when two rows mean the same organization or person. The producer counts
 * distinct keys (for the cost estimate and cache warming); the worker caches and locks by them.
 * Both must use these functions, or the estimate and the cache disagree.
 */

/** Organization key: the name, case-folded, accents kept, punctuation and spacing removed. */
export function organizationKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLocaleLowerCase('en')
    .replace(/[\p{P}\p{S}\s]+/gu, '');
}

/**
 * Person key: the email when there is one; otherwise the name plus the organization key,
 * so two "John Smith"s at different companies stay two people.
 */
export function personKey(person: { name?: string; email?: string }, orgName?: string): string {
  if (person.email) return `e:${person.email.trim().toLowerCase()}`;
  const name = organizationKey(person.name ?? '');
  return `n:${name}@${orgName ? organizationKey(orgName) : ''}`;
}
