import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKEN_COSTS } from '../../src/pipedrive/token-costs.js';
import { REFERENCE_DATA_MAX_TOKENS } from '../../src/producer/reference-data.js';

const REPO = join(import.meta.dirname, '../..');
const text = (path: string) => readFileSync(join(REPO, path), 'utf8').replace(/\s+/g, ' ');

describe('what an import’s reads of the account cost at most', () => {
  it('is every reference read once, from the token-cost table, users/me included', () => {
    const reads = [
      'users.me',
      'users.list',
      'leadLabels.list',
      'currencies.list',
      'dealFields.list',
      'personFields.list',
      'organizationFields.list',
    ] as const;
    expect(REFERENCE_DATA_MAX_TOKENS).toBe(reads.reduce((sum, op) => sum + TOKEN_COSTS[op], 0));
  });

  it('is the figure README, bench/README and the code comments give', () => {
    const n = String(REFERENCE_DATA_MAX_TOKENS);
    expect(text('README.md')).toContain(`at most ${n} tokens an import`);
    expect(text('bench/README.md')).toContain(`${n} at most (\`users/me\` included`);
    expect(text('src/producer/map-file.ts')).toContain(`REFERENCE_DATA_MAX_TOKENS (${n}) at most`);
  });
});
