/** Field delimiters found in real exports: comma, semicolon (Excel in most of Europe), tab, pipe. */
export const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Picks the delimiter of a header line: the candidate occurring most often outside quotes.
 * Header names rarely contain any of them, so the header is the most reliable line to look at.
 * A tie (or none at all: a one-column file) goes to the earlier candidate, comma first.
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(CANDIDATE_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: string = ',';
  let bestCount = 0;
  for (const [d, n] of counts) {
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** Accepts `,`, `;`, `|`, a literal tab, or the words `tab`, `comma`, `semicolon`, `pipe`. */
export function parseDelimiterOption(value: string): string | undefined {
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|' };
  const word = value.toLowerCase();
  // Own keys only: `constructor` would otherwise find Object (whose length is 1, like a delimiter's).
  const v = Object.hasOwn(named, word) ? (named[word] as string) : value;
  return v.length === 1 && v !== '"' && v !== '\n' && v !== '\r' ? v : undefined;
}

/** How a delimiter reads in a message. */
export function describeDelimiter(d: string): string {
  return d === '\t' ? 'tab' : `"${d}"`;
}
