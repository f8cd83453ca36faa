import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENDPOINTS, TOKEN_COSTS } from '../../src/pipedrive/token-costs.js';
import type { Operation } from '../../src/pipedrive/types.js';

/**
 * Pipedrive's OpenAPI specs are not vendored (3 MB); they live in the shared folder beside the repo, or wherever
 * PIPEDRIVE_OPENAPI_DIR points. Without them this check is skipped, loudly.
 */
const SPEC_DIR =
  process.env.PIPEDRIVE_OPENAPI_DIR ??
  fileURLToPath(new URL('../../../shared/pipedrive-openapi/', import.meta.url));
const HAVE_SPECS = existsSync(`${SPEC_DIR}/openapi-v1.yaml`) && existsSync(`${SPEC_DIR}/openapi-v2.yaml`);
if (!HAVE_SPECS)
  console.warn(`Skipping the token-cost check: no OpenAPI specs in ${SPEC_DIR} (set PIPEDRIVE_OPENAPI_DIR)`);

type Paths = Record<string, Record<string, { 'x-token-cost'?: number }>>;

function loadPaths(version: 'v1' | 'v2'): Paths {
  // Each file is large (v1 is 2.7 MB); parse once per file for the whole suite.
  const doc = parse(readFileSync(`${SPEC_DIR}/openapi-${version}.yaml`, 'utf8'), { maxAliasCount: -1 }) as {
    paths: Paths;
  };
  return doc.paths;
}

describe.skipIf(!HAVE_SPECS)('TOKEN_COSTS', () => {
  const specs: Partial<Record<'v1' | 'v2', Paths>> = {};

  beforeAll(() => {
    specs.v1 = loadPaths('v1');
    specs.v2 = loadPaths('v2');
  });

  const operations = Object.keys(ENDPOINTS) as Operation[];

  it.each(operations)('charges %s what the OpenAPI spec says', (operation) => {
    const { method, api, path } = ENDPOINTS[operation];
    // The OAuth token endpoint is documented in the v1 spec.
    const paths = api === 'v2' ? specs.v2 : specs.v1;
    const spec = paths?.[path]?.[method.toLowerCase()];
    expect(spec, `${method} ${api} ${path} is in the spec`).toBeDefined();
    expect(TOKEN_COSTS[operation]).toBe(spec?.['x-token-cost']);
  });

  it('has a cost for every operation and nothing else', () => {
    expect(Object.keys(TOKEN_COSTS).sort()).toEqual([...operations].sort());
  });
});
