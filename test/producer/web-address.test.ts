import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../ops/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lpi-web-address-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("an organization's website and LinkedIn from a supplied file", () => {
  it('are imported as a domain or an http(s) address, and a script or data URL is refused with the line', async () => {
    const file = join(dir, 'leads.csv');
    writeFileSync(
      file,
      [
        'Title,Name,Email,Company,Website,LinkedIn',
        'Deal A,Ana,ana@a.example,Acme,acme.example,https://www.linkedin.com/company/acme',
        'Deal B,Bo,bo@b.example,Beta,https://beta.example:8443/,',
        'Deal C,Cy,cy@c.example,Gamma,javascript:alert(document.cookie),',
        'Deal D,Di,di@d.example,Delta,"java\tscript:alert(1)",',
        'Deal E,Ed,ed@e.example,Epsilon,,"data:text/html,<script>alert(1)</script>"',
        'Deal F,Fay,fay@f.example,Zeta,localhost.example:8080/x,',
      ].join('\n'),
    );
    const mapping = join(dir, 'mapping.yaml');
    writeFileSync(mapping, 'organization:\n  linkedin: LinkedIn\n');
    const args = ['import', file, '--dry-run', '--offline', '--mapping', mapping];
    const run = await runCli([...args, '--json'], {});
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ rows: 6, rejected: 3 });
    expect(run.code).toBe(3);
    const text = await runCli(args, {});
    expect(text.stdout).toContain(
      'leads.csv:4, column "Website": "javascript:alert(document.cookie)" is not a web address; use https://… or a domain such as acme.com',
    );
    expect(text.stdout).toContain(
      'leads.csv:5, column "Website": "java\\tscript:alert(1)" is not a web address',
    );
    expect(text.stdout).toContain(
      'leads.csv:6, column "LinkedIn": "data:text/html,<script>alert(1)</script>" is not a web address',
    );
  });
});
