const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Pipedrive resets the daily budget at midnight in the *server's* time zone, which "may not be
 * aligned" with the customer's (pipedrive-api.md §3.2), so the reset time is a setting: `HH:MM`
 * in UTC, default `00:00`.
 */
export function parseResetUtc(value: string): number {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
  if (!match)
    throw new RangeError(`Budget reset time must be HH:MM in UTC (e.g. 00:00 or 22:30), got "${value}".`);
  return (Number(match[1]) * 60 + Number(match[2])) * 60_000;
}

/** The budget day `now` falls in, named by the UTC date on which it started (`2026-05-14`). */
export function budgetDay(now: number, resetOffsetMs: number): string {
  return new Date(now - resetOffsetMs).toISOString().slice(0, 10);
}

/** When the budget day containing `now` ends (ms epoch). */
export function nextBudgetReset(now: number, resetOffsetMs: number): number {
  const shifted = now - resetOffsetMs;
  return shifted - (((shifted % DAY_MS) + DAY_MS) % DAY_MS) + DAY_MS + resetOffsetMs;
}
