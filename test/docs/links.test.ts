import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The documents a user reads: the README, docs/, and the READMEs beside the examples and benchmarks. */
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  'examples/README.md',
  'bench/README.md',
  'test/fixtures/real-exports/README.md',
];

/** Lines outside fenced code blocks, with their numbers. */
function proseLines(markdown: string): [number, string][] {
  const out: [number, string][] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) out.push([i + 1, line]);
  });
  return out;
}

/** The anchors GitHub gives a document's headings: lower-cased, punctuation dropped, spaces to `-`, repeats `-1`, `-2`. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, line] of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Every relative link (`[text](path#anchor)`, `[text](#anchor)`) of a document that does not resolve. */
function brokenLinks(doc: string): string[] {
  const broken: string[] = [];
  for (const [lineNo, line] of proseLines(readFileSync(join(ROOT, doc), 'utf8'))) {
    for (const [, href] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (href === undefined || /^[a-z]+:/i.test(href)) continue; // https:, mailto:
      const [path = '', anchor] = href.split('#');
      const target = path === '' ? join(ROOT, doc) : resolve(ROOT, dirname(doc), path);
      const where = `${doc}:${lineNo}: ${href}`;
      if (!existsSync(target)) broken.push(`${where} (no file ${relative(ROOT, target)})`);
      else if (anchor !== undefined && statSync(target).isFile() && target.endsWith('.md')) {
        if (!anchorsOf(readFileSync(target, 'utf8')).has(decodeURIComponent(anchor)))
          broken.push(`${where} (no heading with that anchor in ${relative(ROOT, target)})`);
      }
    }
  }
  return broken;
}

describe('the documentation', () => {
  it.each(DOCS)('%s links only to files and headings that exist', (doc) => {
    expect(brokenLinks(doc)).toEqual([]);
  });

  it('reads anchors the way GitHub makes them, so a renamed heading is caught', () => {
    expect(
      anchorsOf('# Many companies\n## Isolation: 1.04× — measured (`bench:isolation`)\n# Many companies'),
    ).toEqual(new Set(['many-companies', 'isolation-104--measured-benchisolation', 'many-companies-1']));
  });
});
