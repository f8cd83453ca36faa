import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

/** Every .ts file under src/, as a path relative to src/ (`ops/status.ts`). */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

/** The src/-relative modules a file imports (static, re-exports and dynamic), `.js` read as `.ts`. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/\bfrom\s+'(\.[^']+)'/g),
    ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g),
  ].map((m) => m[1] as string);
  return specifiers.map((s) => relative(SRC, resolve(dirname(join(SRC, file)), s)).replace(/\.js$/, '.ts'));
}

const isCliLayer = (file: string) =>
  file === 'cli.ts' || file.startsWith('cli/') || file.startsWith('commands/');

describe('imports flow one way, from the CLI down', () => {
  it('no library module imports the CLI layer (src/cli.ts, src/cli/, src/commands/)', () => {
    const upward = sourceFiles()
      .filter((file) => !isCliLayer(file))
      .flatMap((file) =>
        importsOf(file)
          .filter(isCliLayer)
          .map((target) => `${file} → ${target}`),
      );
    expect(upward).toEqual([]);
  });

  it('ops imports the worker modules it uses, never the whole worker (src/worker/index.ts)', () => {
    const whole = sourceFiles()
      .filter((file) => file.startsWith('ops/'))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => target === 'worker/index.ts')
          .map((target) => `${file} → ${target}`),
      );
    expect(whole).toEqual([]);
  });
});

describe('what ships', () => {
  it('tsx is a development dependency, and nothing shipped (bin/, src/, the Dockerfile) imports it', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.devDependencies)).toContain('tsx');
    const shipped = [
      ...readdirSync('bin').map((f) => join('bin', f)),
      ...sourceFiles().map((f) => join('src', f)),
      'Dockerfile',
    ];
    const loading = shipped.filter((f) => /\btsx\b/.test(readFileSync(f, 'utf8')));
    expect(loading).toEqual([]);
  });
});
