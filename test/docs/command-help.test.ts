import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/cli/command.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NAMES = readdirSync(join(ROOT, 'src/commands'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
/** The rows of the README's command table (`| \`lead-importer pause\` / \`resume\` | …`). */
const COMMAND_ROWS = readFileSync(join(ROOT, 'README.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('| `lead-importer '));

async function commandNamed(name: string): Promise<Command> {
  const url = pathToFileURL(join(ROOT, 'src/commands', `${name}.ts`)).href;
  return ((await import(/* @vite-ignore */ url)) as { command: Command }).command;
}

// `lead-importer <command> --help` is where the README sends users for every option: an option the parser
// accepts but the help leaves out is one nobody can find.
describe.each(NAMES)('lead-importer %s', (name) => {
  it('names every option it accepts in its --help', async () => {
    const command = await commandNamed(name);
    const missing = Object.keys(command.options).filter((option) => !command.help.includes(`--${option}`));
    expect(missing, `options of ${name} that its --help does not name`).toEqual([]);
  });

  it("is in the README's command table", () => {
    const first = (row: string) => row.split(' | ')[0] ?? '';
    expect(COMMAND_ROWS.some((row) => new RegExp(`\`(lead-importer )?${name}\\b`).test(first(row)))).toBe(
      true,
    );
  });
});
