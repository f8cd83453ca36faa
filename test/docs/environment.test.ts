import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(`${dir}/${entry.name}`)
      : entry.name.endsWith('.ts')
        ? [readFileSync(join(ROOT, dir, entry.name), 'utf8')]
        : [],
  );
}

/**
 * The environment variables src/ reads: `env.NAME`, `env['NAME']`, and the quoted names it passes to its readers
 * (`readEnum(env, 'PIPEDRIVE_PLAN', …)`, `const CONNECTIONS_FILE_VAR = 'PIPEDRIVE_CONNECTIONS_FILE'`).
 */
function variablesRead(): string[] {
  const names = new Set<string>();
  const pattern =
    /env\.([A-Z][A-Z0-9_]+)|env\[['"]([A-Z][A-Z0-9_]+)|['"]((?:REDIS|PIPEDRIVE|WORKER|LOG|DASHBOARD|LEAD_IMPORTER)_[A-Z0-9_]+)['"]/g;
  for (const text of sources('src'))
    for (const m of text.matchAll(pattern)) names.add((m[1] ?? m[2] ?? m[3]) as string);
  return [...names].sort();
}

describe('the environment', () => {
  it('every variable the code reads is named in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const read = variablesRead();
    expect(read).toContain('PIPEDRIVE_API_TOKEN'); // the scan finds what it should
    expect(read.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
