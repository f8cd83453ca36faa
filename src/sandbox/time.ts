/** Time formats Pipedrive uses (pipedrive-api.md §9.7). */

/** Leads: ISO-8601 with milliseconds and `Z`, e.g. `2020-10-14T11:30:36.551Z`. */
export function isoWithMs(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** v2: RFC 3339 without fractions, e.g. `2021-01-01T00:00:00Z`. */
export function rfc3339(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

/** v1 entities (notes, fields): `YYYY-MM-DD HH:MM:SS` in UTC, e.g. `2019-12-09 13:59:21`. */
export function v1DateTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

const V1_DATE_TIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** `YYYY-MM-DD HH:MM:SS` naming a real instant (v1 `add_time` of notes). */
export function isV1DateTime(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    V1_DATE_TIME_RE.test(value) &&
    isCalendarDate(value.slice(0, 10)) &&
    !Number.isNaN(Date.parse(`${value.replace(' ', 'T')}Z`))
  );
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` that names a real calendar day. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: unknown): value is string {
  return typeof value === 'string' && RFC3339_RE.test(value) && !Number.isNaN(Date.parse(value));
}

/** Parses `updated_since`-style filters: RFC 3339 / ISO-8601, or `YYYY-MM-DD HH:MM:SS` (v1, UTC). */
export function parseTimestamp(value: string): number | undefined {
  const v1 = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const t = Date.parse(v1);
  return Number.isNaN(t) ? undefined : t;
}
