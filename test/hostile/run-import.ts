import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { isChunkJobData, type LeadJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { cliNodeArgs } from '../helpers/cli-entry.js';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const REPO = resolve(import.meta.dirname, '../..');
const PRELOAD = join(import.meta.dirname, 'peak-rss-preload.mjs');

export interface ImportRun {
  /** Exit code, or null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child's peak resident set size in bytes (0 when it died before writing it). */
  peakRssBytes: number;
  /** The `--json` summary, when the command printed one. */
  summary?: ImportJson;
  /** The key prefix the import wrote under. */
  prefix: string;
}

/** The part of `import --json` these tests read. */
export interface ImportJson {
  importId: string;
  encoding: string;
  rows: number;
  valid: number;
  enqueued: number;
  rejected: number;
  firstRejects: { line: number; column?: string; reason: string }[];
}

export interface RunImportOptions {
  /** Extra arguments after the file. */
  args?: string[];
  /** A child still running after this long is killed and the run fails: it hangs. @defaultValue 90 s */
  timeoutMs?: number;
}

/**
 * Runs `lead-importer import FILE --json` as a child process (the built binary, see cliNodeArgs),
 * against the test Redis under a fresh prefix, and reports how it ended and its peak RSS. A child
 * that outlives `timeoutMs` is SIGKILLed and the promise rejects, so a hang fails the test
 * instead of stalling the run.
 */
export async function runImport(file: string, options: RunImportOptions = {}): Promise<ImportRun> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const prefix = uniquePrefix('hostile');
  const scratch = mkdtempSync(join(tmpdir(), 'lpi-rss-'));
  const rssFile = join(scratch, 'peak-rss');
  const child = spawn(
    process.execPath,
    [...cliNodeArgs(['--import', PRELOAD]), 'import', file, '--json', ...(options.args ?? [])],
    {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PEAK_RSS_FILE: rssFile,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (done, fail) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          fail(new Error(`lead-importer import ${file} still ran after ${timeoutMs} ms (killed): it hangs`));
        }, timeoutMs);
        child.on('error', (err) => {
          clearTimeout(timer);
          fail(err);
        });
        child.on('close', (c, s) => {
          clearTimeout(timer);
          done({ code: c, signal: s });
        });
      },
    );
    let peakRssBytes = 0;
    try {
      peakRssBytes = Number(readFileSync(rssFile, 'utf8'));
    } catch {
      // Killed before its exit handler ran: the exit code already says so.
    }
    let summary: ImportJson | undefined;
    if (stdout.trim().startsWith('{')) summary = JSON.parse(stdout) as ImportJson;
    return { code, signal, stdout, stderr, peakRssBytes, prefix, ...(summary ? { summary } : {}) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Every row the import put on the lead queue, in line order, whether in its own job or in a chunk (10 rows per job
 * by default: what is checked here is what was read, not how it was packed); then removes the prefix's keys.
 */
export async function takeEnqueuedJobs(redis: Redis, prefix: string): Promise<LeadJobData[]> {
  const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
  try {
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'paused', 'active'], 0, -1);
    return jobs
      .flatMap((j) => (isChunkJobData(j.data) ? j.data.rows : [j.data]))
      .sort((a, b) => a.line - b.line);
  } finally {
    await queue.close();
    await deletePrefix(redis, prefix);
  }
}
