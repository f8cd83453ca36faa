import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';

/**
 * Streams for `main(args, io)` that keep what the command prints, readable while it runs (`out()`, `err()`: a test
 * can wait for a line before it acts).
 */
export function capturedIo(env: Record<string, string | undefined> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += c;
  });
  stderr.on('data', (c) => {
    err += c;
  });
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}

/** Runs `lead-importer ...args` in-process and captures what it prints. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = capturedIo(env);
  const code = await main(args, c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}
