/**
 * Escapes text for HTML element content and quoted attributes. Every value a page prints goes through it, numbers
 * too: file names and errors are user input, and what Redis holds is only as typed as whoever wrote it.
 */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
