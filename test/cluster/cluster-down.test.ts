import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliNodeArgs } from '../helpers/cli-entry.js';
import { uniquePrefix } from '../helpers/redis.js';
import { useRedisCluster } from '../helpers/redis-cluster.js';
import { runNode } from '../helpers/run-process.js';
import { testSandbox, workerEnv } from '../worker/helpers.js';

// A cluster of its own: the test kills one of its masters.
const cluster = useRedisCluster();

describe('a Redis Cluster with a slot range no node serves', () => {
  it('makes every command fail with exit 2 and a message naming the cluster, rather than exit 0 having done nothing', async () => {
    const { nodes } = cluster();
    const sandbox = await testSandbox();
    const dir = mkdtempSync(join(tmpdir(), 'lpi-cluster-down-'));
    const file = join(dir, 'leads.csv');
    writeFileSync(file, 'Title,Name,Email\nDeal 1,Ann,ann@down.example\n');
    // One master with no replica gone: its slots have no node, and the others report cluster_state:fail.
    await nodes.killNode(nodes.ports[2]!);
    const env = { ...process.env, ...workerEnv(nodes.url, uniquePrefix('cld'), sandbox.url) };

    const commands = [
      ['import', file],
      ['pause'],
      ['status'],
      ['dlq', 'list'],
      ['verify', 'some-import'],
      ['report', 'some-import', '--out', join(dir, 'x.csv')],
    ];
    const results = await Promise.all(commands.map((args) => runNode([...cliNodeArgs(), ...args], { env })));
    for (const [i, result] of results.entries()) {
      const name = commands[i]![0];
      expect({ name, code: result.code }).toEqual({ name, code: 2 });
      expect(result.stderr).toContain(
        `lead-importer ${name}: Cannot reach the Redis Cluster at ${nodes.url}`,
      );
      expect(result.stderr).toMatch(/the cluster is down/);
    }
  }, 60_000);
});
