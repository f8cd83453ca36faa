/**
 * CPU per log line: the worker's *Created lead* line through our logger (src/logging/logger.ts) and through pino
 * with its own `redact` option on the same paths, to a stream that drops it, alternated A B A B.
 *
 *   npx tsx bench/log-line.ts [--lines 200000]
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type Logger, pino } from 'pino';
import { createLogger, REDACT_PATHS } from '../src/logging/logger.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '200000' } } });
const lines = Number(values.lines);
const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
// The worker's loggers: a child per component and per connection.
const ours = createLogger({ destination: sink() })
  .child({ component: 'worker' })
  .child({ connection: 'c01' });
const pinoRedact = pino(
  { redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
  sink(),
)
  .child({ component: 'worker' })
  .child({ connection: 'c01' });

function cpuPerLine(logger: Logger): number {
  const before = process.cpuUsage();
  for (let i = 0; i < lines; i++) {
    const fields = { importId: 'imp-1', line: i, leadId: `lead-${i}`, personId: i, organizationId: 7 };
    logger.info(
      { ...fields, durationMs: 12, attempt: 1, tokens: 10 },
      `Created lead lead-${i} for import imp-1 line ${i} (person ${i} created, organization 7 reused; 12 ms, attempt 1 of 5)`,
    );
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / lines;
}

for (const [name, logger] of [
  ['pino redact', pinoRedact],
  ['ours', ours],
  ['pino redact', pinoRedact],
  ['ours', ours],
] as const) {
  console.log(`${name.padEnd(12)} ${cpuPerLine(logger).toFixed(2)} µs of CPU per line`);
}
