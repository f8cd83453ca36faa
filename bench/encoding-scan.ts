/**
 * What encoding detection costs when the first 64 KiB are ASCII (issue #9): detection then reads on
 * to the first non-ASCII byte (one sequential pass, one 256 KiB buffer), because a sample of ASCII
 * says nothing about the accents further down. Worst case: a file that is ASCII to its end, or
 * whose only accents are on its last line. Measured against reading and parsing the same file
 * (`openCsv` and every row), which every import does anyway.
 *
 *   npx tsx bench/encoding-scan.ts                 # 100 MB
 *   npx tsx bench/encoding-scan.ts --mb 20         # quick
 *
 * The file is in the page cache after it is written (as a file just exported usually is); each
 * figure is the best of `--repeat` runs (the machine is shared). Prints a table and writes
 * bench/results/encoding-scan.json.
 */
import { once } from 'node:events';
import { appendFileSync, createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { openCsv } from '../src/producer/csv-reader.js';
import { detectFileEncoding } from '../src/producer/encoding.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { machineInfo, printTable, toMiB, writeResults } from './lib/report.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '3' },
  },
});
const TARGET_BYTES = Number(values.mb) * 1e6;
const REPEAT = Math.max(1, Number(values.repeat));
/** Bytes per row of the generator's files (measured: about 127). */
const BYTES_PER_ROW = 127;

const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-encoding-'));
const before = machineInfo();

/** The generator's file with its few accented names ("Chloé", "Müller", "OÜ") spelled in ASCII. */
async function writeAsciiLeads(path: string): Promise<void> {
  const utf8 = join(dir, 'utf8.csv');
  await writeLeadsCsv({ path: utf8, rows: Math.ceil(TARGET_BYTES / BYTES_PER_ROW) });
  const out = createWriteStream(path);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of createReadStream(utf8) as AsyncIterable<Buffer>) {
    const ascii = decoder
      .write(chunk)
      .normalize('NFD')
      .replace(/[^\x00-\x7f]/g, '');
    if (!out.write(ascii)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  rmSync(utf8);
}

async function sampleOf(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function best<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  let bestMs = Number.POSITIVE_INFINITY;
  let result: T | undefined;
  for (let i = 0; i < REPEAT; i++) {
    const started = process.hrtime.bigint();
    result = await run();
    bestMs = Math.min(bestMs, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms: bestMs, result: result as T };
}

async function measure(label: string, path: string) {
  const size = statSync(path).size;
  const sample = await sampleOf(path);
  const rssBefore = process.memoryUsage().rss;
  const detection = await best(() => detectFileEncoding(path, sample, { size, displayName: label }));
  const rssAfter = process.memoryUsage().rss;
  const parse = await best(async () => {
    const csv = await openCsv(path);
    let rows = 0;
    for await (const batch of csv.rowBatches()) rows += batch.length;
    return rows;
  });
  return {
    file: label,
    'size MiB': toMiB(size),
    detected: detection.result.encoding,
    'detection ms': Math.round(detection.ms),
    'detection MB/s': Math.round(size / 1e6 / (detection.ms / 1000)),
    'RSS growth MiB': toMiB(Math.max(0, rssAfter - rssBefore)),
    'openCsv + all rows ms': Math.round(parse.ms),
    rows: parse.result,
    'detection ÷ parse %': Math.round((detection.ms / parse.ms) * 1000) / 10,
  };
}

try {
  const ascii = join(dir, 'ascii.csv');
  console.error(`generating ${values.mb} MB of ASCII leads…`);
  await writeAsciiLeads(ascii);
  const results = [await measure('ASCII to the end', ascii)];
  // The same file with one Windows-1252 line at its end: scanned to the end, then decided.
  appendFileSync(
    ascii,
    Buffer.from('Deal,Hélène Lefèvre,helene@example.fr,+33 1,Café Crème SARL,10.00,EUR\n', 'latin1'),
  );
  results.push(await measure('one Windows-1252 line at the end', ascii));
  printTable(`Encoding detection past an ASCII sample (best of ${REPEAT}, page cache warm)`, results);
  writeResults('encoding-scan', { machine: before, machineAfter: machineInfo(), results });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
