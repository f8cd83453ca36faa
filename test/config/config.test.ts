import { describe, expect, it } from 'vitest';
import { burstLimitPer2s, ConfigError, dailyTokenBudget, loadConfig } from '../../src/config/config.js';

describe('loadConfig', () => {
  it('uses documented defaults when the environment is empty', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.pipedrive).toMatchObject({
      plan: 'lite',
      seats: 1,
      dailyTokens: 30_000,
      apiToken: undefined,
    });
    expect(config.worker.concurrency).toBe(8);
    expect(config.pipedrive).toMatchObject({ budgetReserve: 0.1, budgetResetUtc: '00:00' });
    expect(loadConfig({ PIPEDRIVE_BUDGET_RESET_UTC: '6:30' }).pipedrive.budgetResetUtc).toBe('06:30');
    expect(Object.isFrozen(config.pipedrive)).toBe(true);
  });

  it('computes the daily budget from plan and seats unless PIPEDRIVE_DAILY_TOKENS overrides it', () => {
    expect(loadConfig({ PIPEDRIVE_PLAN: 'Premium', PIPEDRIVE_SEATS: '5' }).pipedrive.dailyTokens).toBe(
      750_000,
    );
    expect(
      loadConfig({ PIPEDRIVE_PLAN: 'growth', PIPEDRIVE_DAILY_TOKENS: '1234' }).pipedrive.dailyTokens,
    ).toBe(1234);
    expect(dailyTokenBudget('ultimate', 10)).toBe(2_100_000);
  });

  it('gives OAuth apps four times the API-token burst limit', () => {
    expect(burstLimitPer2s('lite', 'api_token')).toBe(20);
    expect(burstLimitPer2s('ultimate', 'oauth')).toBe(480);
  });

  it.each([
    [{ PIPEDRIVE_PLAN: 'gold' }, /PIPEDRIVE_PLAN must be one of lite, growth, premium, ultimate/],
    [{ PIPEDRIVE_SEATS: '0' }, /PIPEDRIVE_SEATS must be a whole number ≥ 1/],
    [{ WORKER_CONCURRENCY: 'many' }, /WORKER_CONCURRENCY/],
    [{ PIPEDRIVE_BASE_URL: 'not a url' }, /PIPEDRIVE_BASE_URL must be a URL/],
    [{ PIPEDRIVE_OAUTH_CLIENT_ID: 'x' }, /OAuth needs all three/],
    [{ REDIS_PREFIX: 'a:b' }, /REDIS_PREFIX must not contain ":"/],
    [{ PIPEDRIVE_BUDGET_RESERVE: '1.5' }, /PIPEDRIVE_BUDGET_RESERVE must be a fraction/],
    [{ PIPEDRIVE_BUDGET_RESET_UTC: '25:00' }, /PIPEDRIVE_BUDGET_RESET_UTC must be a UTC time/],
    [
      {
        PIPEDRIVE_API_TOKEN: 't',
        PIPEDRIVE_OAUTH_CLIENT_ID: 'i',
        PIPEDRIVE_OAUTH_CLIENT_SECRET: 's',
        PIPEDRIVE_OAUTH_REFRESH_TOKEN: 'r',
      },
      /not both/,
    ],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never puts the token in an error message', () => {
    try {
      loadConfig({ PIPEDRIVE_API_TOKEN: 'secret-token-123', PIPEDRIVE_SEATS: '-1' });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain('secret-token-123');
    }
  });
});
