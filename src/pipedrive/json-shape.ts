/**
 * What a response body may hold before `JSON.parse` builds it. The body's size is capped while it streams
 * (`maxResponseBytes`, 16 MiB), but size alone does not bound what parsing costs: two bytes of `[]` become an
 * array of its own in the heap. A 16 MiB body of nested arrays (`[[[[…]]]]`) took a worker to 1.9 GB of peak
 * RSS and ~13 s of CPU per call, one of empty objects side by side (`[{},{},…]`) to 1 GB, where the same size
 * of real Pipedrive answers costs a few times its bytes.
 *
 * Both limits are far above what Pipedrive sends. Its deepest answer (a search result's item, a custom field's
 * value inside it) nests under ten levels. A 500-item list page with custom fields holds tens of objects and
 * arrays per item (emails, phones, monetary and address values, multi-option lists): a few tens of thousands in
 * all; a field catalogue with thousands of options is of the same order.
 */

/** Deepest nesting of objects and arrays read. */
export const MAX_JSON_DEPTH = 64;
/** Most objects and arrays read in one body: about 32 MB of heap at worst (~64 bytes each, empty). */
export const MAX_JSON_CONTAINERS = 500_000;

export interface JsonShapeLimits {
  maxDepth: number;
  maxContainers: number;
}

const DEFAULT_LIMITS: JsonShapeLimits = { maxDepth: MAX_JSON_DEPTH, maxContainers: MAX_JSON_CONTAINERS };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Why `text` must not be parsed (it nests too deep or holds too many objects and arrays), or undefined. One pass
 * over the characters without building anything; strings are skipped with `indexOf`, so a body of long texts
 * (notes) costs little. It does not validate JSON: `JSON.parse` still does, on what passed.
 */
export function jsonShapeProblem(text: string, limits: JsonShapeLimits = DEFAULT_LIMITS): string | undefined {
  let depth = 0;
  let containers = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
      if (i < 0) return undefined;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limits.maxDepth) return `it nests deeper than ${limits.maxDepth} levels`;
      if (++containers > limits.maxContainers) {
        return `it holds more than ${limits.maxContainers.toLocaleString('en-US')} objects and arrays`;
      }
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return undefined;
}

/** The index of the quote that closes the string opened at `start`, or -1 when it is never closed. */
function endOfString(text: string, start: number): number {
  let i = start;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return -1;
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    for (let j = i - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}

/**
 * `JSON.parse`, after {@link jsonShapeProblem}: throws a {@link JsonShapeError} naming the problem instead of
 * building a body that would cost far more memory than its size.
 */
export function parseBoundedJson(text: string, limits: JsonShapeLimits = DEFAULT_LIMITS): unknown {
  const problem = jsonShapeProblem(text, limits);
  if (problem !== undefined) throw new JsonShapeError(problem);
  return JSON.parse(text);
}

/** A body {@link parseBoundedJson} would not parse; its message completes "the body …" (e.g. "it nests deeper…"). */
export class JsonShapeError extends Error {
  override readonly name = 'JsonShapeError';
}
