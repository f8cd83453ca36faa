import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { importCsv } from '../../src/producer/import-csv.js';

// A dry run needs no Redis; without credentials it reads nothing from Pipedrive where it can do without.
const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' });

function csvFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dry-run-credentials-')), 'leads.csv');
  writeFileSync(file, text);
  return file;
}

describe('import --dry-run without Pipedrive credentials', () => {
  it('says what the file needed from Pipedrive and offers --offline, where it named only the missing token', async () => {
    const file = csvFile('Name,Email,Company,Deal Value\nAna Acme,ana@example.com,Initech,1500\n');
    const err = await importCsv({ file, config, dryRun: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/^No Pipedrive credentials: set PIPEDRIVE_API_TOKEN/);
    expect(message).toContain('its currencies (for the amounts)');
    expect(message).toContain('add --offline');
    // And --offline does check the file.
    const offline = await importCsv({ file, config, dryRun: true, offline: true });
    expect(offline.valid).toBe(1);
  });

  it('checks a file that needs nothing from Pipedrive without credentials', async () => {
    const file = csvFile('Name,Email,Company\nAna Acme,ana@example.com,Initech\n');
    const summary = await importCsv({ file, config, dryRun: true });
    expect(summary.valid).toBe(1);
  });
});
