import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';

/** Runs `lead-importer ...args` in-process and captures what it prints. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const code = await main(args, { stdout, stderr, env });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
