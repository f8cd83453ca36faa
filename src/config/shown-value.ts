/**
 * A configuration value as an error message may quote it: in quotes, or not at all when it may be a secret typed
 * into the wrong variable (`PIPEDRIVE_SEATS=<the API token>`: the message reaches the container's log). A value is
 * held back when it has a run of 20 letters and digits (an API token, a client secret, a key), or holds the value
 * of any variable named like a secret (`…TOKEN`, `…SECRET`, `…PASSWORD`, `…KEY`) of the environment.
 */
export function shownValue(raw: string, env: Record<string, string | undefined> = {}): string {
  return mayBeSecret(raw, env)
    ? `a value of ${raw.length} characters (not shown: it may be a secret)`
    : `"${raw}"`;
}

/** Whether {@link shownValue} holds `raw` back. */
export function mayBeSecret(raw: string, env: Record<string, string | undefined> = {}): boolean {
  if (/[A-Za-z0-9]{20}/.test(raw)) return true;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < 8 || /^\d+$/.test(value)) continue;
    if (/(?:TOKEN|SECRET|PASSWORD|PASSWD|KEY)(?:_FILE)?$/i.test(name) && raw.includes(value)) return true;
  }
  return false;
}
