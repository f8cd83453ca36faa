import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { command, sandboxOptionsFromArgs } from '../../src/commands/sandbox.js';
import { capturedIo } from '../ops/run-cli.js';

const io = () => capturedIo();

const FLAGS = [
  '--port',
  '--host',
  '--plan',
  '--seats',
  '--auth',
  '--daily-tokens',
  '--latency-ms',
  '--latency-jitter-ms',
  '--fault-rate',
  '--timeout-rate',
  '--reset-rate',
  '--seed',
  '--api-token',
  '--no-limits',
];

describe('lead-importer sandbox', () => {
  it('documents every flag of DESIGN.md and every extra one in --help', async () => {
    const t = io();
    expect(await main(['sandbox', '--help'], t.io)).toBe(0);
    for (const flag of FLAGS) expect(t.out()).toContain(flag);
    for (const name of Object.keys(command.options)) expect(t.out()).toContain(`--${name}`);
  });

  it('turns flags into sandbox options with DESIGN.md defaults', () => {
    expect(sandboxOptionsFromArgs({ values: {}, positionals: [] })).toEqual({
      port: 8787,
      host: '127.0.0.1',
    });
    const options = sandboxOptionsFromArgs({
      values: {
        plan: 'growth',
        seats: '3',
        auth: 'oauth',
        'daily-tokens': '5000',
        'latency-ms': '150',
        'latency-jitter-ms': '50',
        'fault-rate': '0.05',
        'timeout-rate': '0.01',
        'reset-rate': '0.01',
        seed: '7',
        'api-token': 'secret',
        'no-limits': true,
        'no-campaigns': true,
        'search-lag-ms': '2000',
        'request-log-size': '50000',
        'oauth-client-id': 'cid',
      },
      positionals: [],
    });
    expect(options).toMatchObject({
      plan: 'growth',
      seats: 3,
      auth: 'oauth',
      dailyTokens: 5000,
      latencyMs: 150,
      latencyJitterMs: 50,
      faultRate: 0.05,
      timeoutRate: 0.01,
      resetRate: 0.01,
      seed: 7,
      apiToken: 'secret',
      limits: false,
      campaigns: false,
      searchLagMs: 2000,
      requestLogSize: 50_000,
      oauth: { clientId: 'cid' },
    });
  });

  it.each([
    [['--plan', 'enterprise'], /--plan must be one of lite, growth, premium, ultimate/],
    [['--fault-rate', '1.5'], /--fault-rate must be a non-negative number between 0 and 1/],
    [['--seats', '0'], /--seats must be at least 1/],
    [['--port', 'http'], /--port must be a non-negative integer/],
    [['--latency'], /Unknown option/],
    [['--request-log-size', '1.5'], /--request-log-size must be a non-negative integer/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const t = io();
    expect(await main(['sandbox', ...args], t.io)).toBe(2);
    expect(t.err()).toMatch(message);
  });
});
