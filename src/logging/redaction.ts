/**
 * The log lines' redaction, done by pino's hooks (`formatters.log`, `formatters.bindings`, the `err` serializer)
 * instead of pino's `redact` option, with the same paths and the same result.
 *
 * Why: pino 10 builds `redact` with `@pinojs/redact` in non-strict mode, and any path that starts with `*` makes it
 * run every value of every line through the wildcard redactor, numbers and strings included, which parses each
 * of its path strings again per value (`redactPaths` → `parsePath`). A worker's *Created lead* line (ten fields,
 * none an object) paid ≈ 15 µs for it, and it was the largest allocation site of the worker's steady state: 15 %
 * of the bytes it allocated, more than ioredis' command encoding (bench/README.md, "Allocations per lead", branch
 * cpu3). Here the paths are parsed once, a value that is not an object is left alone (no path can match inside
 * it), and an object is copied only along a path that matches, so what the caller logged is never changed.
 *
 * The semantics are pino's (test/logging/redaction.test.ts compares the lines with pino's own `redact` on the same
 * paths): `a` censors the top-level key `a`; `*.b` censors `b` in any top-level object; `a.b.c` follows own or
 * inherited object properties to an own `c`. A key's path applies to the value after its serializer (`err`).
 */

/** A top-level key censored whole, or the paths below each top-level key (`*`: every key). */
export interface RedactionPlan {
  top: ReadonlySet<string>;
  wildcard: readonly (readonly string[])[];
  byKey: ReadonlyMap<string, readonly (readonly string[])[]>;
  censor: string;
}

/** Splits `a.b["c-d"]` into `['a', 'b', 'c-d']`. Paths come from our own code, never from input. */
function partsOf(path: string): string[] {
  const parts: string[] = [];
  for (const match of path.matchAll(/[^.[\]]+|\[(?:"([^"]*)"|'([^']*)'|([^\]]*))\]/g)) {
    parts.push(match[1] ?? match[2] ?? match[3] ?? match[0]);
  }
  return parts;
}

export function redactionPlan(paths: readonly string[], censor: string): RedactionPlan {
  const top = new Set<string>();
  const wildcard: string[][] = [];
  const specific = new Map<string, string[][]>();
  for (const path of paths) {
    const [first, ...rest] = partsOf(path);
    if (first === undefined) continue;
    if (rest.length === 0) top.add(first);
    else if (first === '*') wildcard.push(rest);
    else specific.set(first, [...(specific.get(first) ?? []), rest]);
  }
  // As pino: a key with paths of its own gets the wildcard's too.
  const byKey = new Map([...specific].map(([key, own]) => [key, [...wildcard, ...own]] as const));
  return { top, wildcard, byKey, censor };
}

type Bag = Record<string, unknown>;

/** A shallow copy that JSON serialises as the original did (own enumerable properties, the same prototype). */
function copyOf(value: object): Bag {
  if (Array.isArray(value)) return value.slice() as unknown as Bag;
  return Object.assign(Object.create(Object.getPrototypeOf(value)), value) as Bag;
}

/** `value` with the path censored, copied along it; the same object when the path is not there. */
function censorAt(value: Bag, parts: readonly string[], i: number, censor: string): Bag {
  const key = parts[i] as string;
  if (i === parts.length - 1) {
    if (!Object.hasOwn(value, key)) return value;
    const copy = copyOf(value);
    copy[key] = censor;
    return copy;
  }
  if (!(key in value)) return value;
  const child = value[key];
  if (typeof child !== 'object' || child === null) return value;
  const redacted = censorAt(child as Bag, parts, i + 1, censor);
  if (redacted === child) return value;
  const copy = copyOf(value);
  copy[key] = redacted;
  return copy;
}

/** The value of top-level key `key`, redacted: itself unless an object holds something a path names. */
export function redactValue(plan: RedactionPlan, key: string, value: unknown): unknown {
  if (plan.top.has(key)) return value === undefined ? value : plan.censor;
  if (typeof value !== 'object' || value === null) return value;
  let out = value as Bag;
  for (const parts of plan.byKey.get(key) ?? plan.wildcard) out = censorAt(out, parts, 0, plan.censor);
  return out;
}

/**
 * A line's fields (or a child logger's bindings), redacted; the same object when nothing is to be censored, so a line
 * of plain fields costs one look at each. `skip` is left to its serializer (`err`), whose output is redacted there.
 */
export function redactFields(plan: RedactionPlan, fields: Bag, skip: string): Bag {
  let out: Bag | undefined;
  for (const key in fields) {
    if (key === skip || !Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    const redacted = redactValue(plan, key, value);
    if (redacted !== value) {
      out ??= { ...fields };
      out[key] = redacted;
    }
  }
  return out ?? fields;
}
