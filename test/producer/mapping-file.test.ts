import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MappingError } from '../../src/producer/errors.js';
import { loadMappingFile } from '../../src/producer/mapping-spec.js';

describe('loadMappingFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mapping-file-'));

  it('reads a mapping file', async () => {
    const file = join(dir, 'mapping.yaml');
    writeFileSync(file, 'lead:\n  title: Topic\n');
    expect(await loadMappingFile(file)).toEqual({ lead: { title: 'Topic' } });
  });

  it('refuses a FIFO at once, rather than wait deaf to Ctrl-C for something to write to it', async () => {
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const err = await loadMappingFile(fifo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MappingError);
    expect((err as Error).message).toBe(
      `Mapping file ${fifo} is not a regular file (a FIFO, a device or a socket): write the mapping in a file.`,
    );
  });

  it('refuses a device and a folder, and a file far past any mapping, without reading it all', async () => {
    expect(((await loadMappingFile('/dev/zero').catch((e: unknown) => e)) as Error).message).toMatch(
      /is not a regular file/,
    );
    expect(((await loadMappingFile(dir).catch((e: unknown) => e)) as Error).message).toMatch(/is a folder/);
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    expect(((await loadMappingFile(big).catch((e: unknown) => e)) as Error).message).toMatch(
      /is over 4 MiB, far past any mapping/,
    );
  });
});
