/**
 * `import --dry-run` said nothing of a file imported before: the real run refuses the same file sent to the same
 * Pipedrive company through another connection (exit 2), warns when it goes through the same connection under a new
 * id, and goes on with an import that exists. A dry run now reads the imports in Redis (nothing written) and says
 * what the real run would; with Redis out of reach it says what it could not check, and still validates the file.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile, prefixHashes } from '../../src/producer/import-csv.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';

const redis = testRedis();
let sandbox: RunningSandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, apiToken: 'acme-token', companyId: 5201 });
  dir = mkdtempSync(join(tmpdir(), 'lpi-dry-same-'));
  writeFileSync(
    join(dir, 'connections.yaml'),
    `connections:\n  acme:\n    base_url: ${sandbox.url}\n    api_token_env: ACME_TOKEN\n  acme-renamed:\n    base_url: ${sandbox.url}\n    api_token_env: ACME_TOKEN\n`,
  );
  // A Labels column: the producer reads the account (users/me names the company), as most real files make it do.
  writeFileSync(
    join(dir, 'leads.csv'),
    'Name,Email,Company,Labels\nAna Ames,ana@acme.example,Acme,Hot\nBo Berg,bo@acme.example,Acme,Warm\n',
  );
});

afterAll(async () => {
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('import --dry-run of a file imported before', () => {
  it('says what the real run would: refused through another connection of the company, warned or resumed otherwise', async () => {
    const prefix = uniquePrefix('dry');
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
      ACME_TOKEN: 'acme-token',
    };
    const file = join(dir, 'leads.csv');
    const first = await runCli(['import', file, '--connection', 'acme', '--json'], env);
    expect(first.code).toBe(0);
    const { importId } = JSON.parse(first.stdout) as { importId: string };

    const real = await runCli(['import', file, '--connection', 'acme-renamed'], env);
    expect(real.code).toBe(2);
    const dry = await runCli(['import', file, '--connection', 'acme-renamed', '--dry-run'], env);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain(
      `leads.csv was imported before into the same Pipedrive company (5201), as import ${importId} (connection acme: 0 leads created, 2 rows pending)`,
    );
    expect(dry.stderr).toBe(real.stderr);

    const again = await runCli(
      ['import', file, '--connection', 'acme-renamed', '--import-id', 'again', '--dry-run', '--json'],
      env,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).warnings).toContain(
      `leads.csv was imported before into the same Pipedrive company (5201), as import ${importId} (connection acme: 0 leads created, 2 rows pending): a new import through acme-renamed creates those leads again.`,
    );

    const resumed = await runCli(['import', file, '--connection', 'acme', '--dry-run'], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(
      `Import ${importId} exists already (0 created, 2 pending): the real run goes on with it and enqueues only the rows it has not enqueued yet.`,
    );
    // Nothing written by the dry runs.
    expect((await new ImportLedger(redis, prefix).listImports()).map((r) => r.importId)).toEqual([importId]);
  });

  it('still validates the file when Redis is out of reach, and says what it could not check', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const dry = await runCli(['import', join(dir, 'leads.csv'), '--connection', 'acme', '--dry-run'], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
      ACME_TOKEN: 'acme-token',
    });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Warning: Could not check whether leads.csv was imported before (Redis: ');
  }, 20_000);
});

describe('import of a file that grew since an earlier import of it', () => {
  it('is refused by default (its leads would be created again) and goes on with the earlier import under its id', async () => {
    const prefix = uniquePrefix('grown');
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
      ACME_TOKEN: 'acme-token',
    };
    const file = join(dir, 'growing.csv');
    writeFileSync(file, 'Name,Email,Company\nAna Ames,ana@acme.example,Acme\nBo Berg,bo@acme.example,Acme\n');
    const first = await runCli(['import', file, '--connection', 'acme', '--json'], env);
    expect(first.code).toBe(0);
    const { importId } = JSON.parse(first.stdout) as { importId: string };
    // The list grew: a third row appended, as an export run again later or a sheet saved again writes it.
    appendFileSync(file, 'Cy Chen,cy@beta.example,Beta\n');

    for (const args of [[], ['--dry-run']]) {
      const again = await runCli(['import', file, '--connection', 'acme', ...args], env);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(
        `growing.csv is the file of import ${importId} with rows added after it`,
      );
      expect(again.stderr).toContain(`run the same command with --import-id ${importId}`);
    }
    const ledger = new ImportLedger(redis, prefix);
    expect((await ledger.listImports(10)).map((r) => r.importId)).toEqual([importId]);

    const resumed = await runCli(
      ['import', file, '--connection', 'acme', '--import-id', importId, '--json'],
      env,
    );
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ importId, rows: 3, enqueued: 1, alreadyImported: 2 });
    expect(await ledger.getImport(importId)).toMatchObject({ rows: 3, pending: 3 });
  });
});

describe('import of a file that grew, saved under another name', () => {
  // A monthly export saved beside last month's: leads-2026-12.csv is leads-2026-11.csv with rows added.
  const november =
    'Name,Email,Company,Labels\nAna Ames,ana@acme.example,Acme,Hot\nBo Berg,bo@acme.example,Acme,Warm\n';
  const december = `${november}Cy Chen,cy@beta.example,Beta,Hot\n`;

  it('is refused through the same connection, naming the earlier file; the dry run says the same', async () => {
    const prefix = uniquePrefix('grownname');
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
      ACME_TOKEN: 'acme-token',
    };
    writeFileSync(join(dir, 'leads-2026-11.csv'), november);
    writeFileSync(join(dir, 'leads-2026-12.csv'), december);
    const first = await runCli(
      ['import', join(dir, 'leads-2026-11.csv'), '--connection', 'acme', '--json'],
      env,
    );
    expect(first.code).toBe(0);
    const { importId } = JSON.parse(first.stdout) as { importId: string };

    for (const args of [[], ['--dry-run']]) {
      const again = await runCli(
        ['import', join(dir, 'leads-2026-12.csv'), '--connection', 'acme', ...args],
        env,
      );
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(
        `leads-2026-12.csv is the file of import ${importId} (leads-2026-11.csv) with rows added after it`,
      );
      expect(again.stderr).toContain(`run the same command with --import-id ${importId} (`);
    }
    expect((await new ImportLedger(redis, prefix).listImports(10)).map((r) => r.importId)).toEqual([
      importId,
    ]);
  });

  it('is refused through another connection of the same company, saying which connection goes on with it', async () => {
    const prefix = uniquePrefix('grownconn');
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
      ACME_TOKEN: 'acme-token',
    };
    writeFileSync(join(dir, 'nov.csv'), november);
    writeFileSync(join(dir, 'dec.csv'), december);
    const first = await runCli(['import', join(dir, 'nov.csv'), '--connection', 'acme', '--json'], env);
    expect(first.code).toBe(0);
    const { importId } = JSON.parse(first.stdout) as { importId: string };

    const real = await runCli(['import', join(dir, 'dec.csv'), '--connection', 'acme-renamed'], env);
    expect(real.code).toBe(2);
    expect(real.stderr).toContain(
      `dec.csv is the file of import ${importId} (nov.csv), through connection acme, with rows added after it`,
    );
    expect(real.stderr).toContain(`run the same command with --connection acme --import-id ${importId} (`);
    const dry = await runCli(
      ['import', join(dir, 'dec.csv'), '--connection', 'acme-renamed', '--dry-run'],
      env,
    );
    expect(dry.code).toBe(2);
    expect(dry.stderr).toBe(real.stderr);

    // The hint works: the earlier import goes on with the one new row.
    const resumed = await runCli(
      ['import', join(dir, 'dec.csv'), '--connection', 'acme', '--import-id', importId, '--json'],
      env,
    );
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ importId, rows: 3, enqueued: 1, alreadyImported: 2 });
  });
});

describe('import of a grown file through another connection, with no column that makes it read the account', () => {
  it('is refused by the real run as by the dry run: the company is asked when an import of another connection matched', async () => {
    const prefix = uniquePrefix('grownplain');
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
      ACME_TOKEN: 'acme-token',
    };
    const labelled = 'Name,Email,Company,Labels\nAna Ames,ana@acme.example,Acme,Hot\n';
    writeFileSync(join(dir, 'plain-1.csv'), labelled);
    writeFileSync(join(dir, 'plain-2.csv'), `${labelled}Bo Berg,bo@acme.example,Acme,Warm\n`);
    const first = await runCli(['import', join(dir, 'plain-1.csv'), '--connection', 'acme', '--json'], env);
    expect(first.code).toBe(0);
    const { importId } = JSON.parse(first.stdout) as { importId: string };
    // A mapping that leaves Labels out: nothing in the file makes the real run read the account (users/me).
    const mapping = join(dir, 'no-labels.yaml');
    writeFileSync(mapping, 'ignore: [Labels]\n');
    for (const args of [[], ['--dry-run']]) {
      const again = await runCli(
        ['import', join(dir, 'plain-2.csv'), '--connection', 'acme-renamed', '--mapping', mapping, ...args],
        env,
      );
      expect(again.code, again.stdout + again.stderr).toBe(2);
      expect(again.stderr).toContain(
        `plain-2.csv is the file of import ${importId} (plain-1.csv), through connection acme,`,
      );
    }
  });
});

describe('prefixHashes', () => {
  it('gives what hashFile gives for every prefix, in one read, across the read chunks', async () => {
    const file = join(dir, 'prefixes.bin');
    const mb = 1024 * 1024;
    const bytes = Buffer.alloc(3 * mb + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 11)) & 0xff;
    writeFileSync(file, bytes);
    const sizes = [1, 100, mb - 1, mb, mb + 1, 2 * mb, 2 * mb, 3 * mb + 16, 3 * mb + 17];
    const hashes = await prefixHashes(file, sizes);
    for (const size of sizes) expect(hashes.get(size), `${size} bytes`).toBe(await hashFile(file, size));
  });
});
