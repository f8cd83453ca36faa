/**
 * Preloaded into CLI child processes by `run-import.ts` (`node --import`): on exit, writes the
 * process's peak resident set size in bytes (getrusage's maxrss, which the kernel keeps, so no
 * spike between two samples is missed) to the file named by `PEAK_RSS_FILE`. Plain JavaScript, so the
 * child needs no TypeScript loader (see test/helpers/cli-entry.ts).
 */
import { writeFileSync } from 'node:fs';

const out = process.env.PEAK_RSS_FILE;
if (out) {
  process.on('exit', () => {
    writeFileSync(out, String(process.resourceUsage().maxRSS * 1024));
  });
}
