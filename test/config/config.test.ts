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

  it('puts 10 rows in a BullMQ job unless LEAD_IMPORTER_ROWS_PER_JOB says otherwise (1 to 100)', () => {
    expect(loadConfig({}).rowsPerJob).toBe(10);
    expect(loadConfig({ LEAD_IMPORTER_ROWS_PER_JOB: '' }).rowsPerJob).toBe(10);
    expect(loadConfig({ LEAD_IMPORTER_ROWS_PER_JOB: '1' }).rowsPerJob).toBe(1);
    expect(loadConfig({ LEAD_IMPORTER_ROWS_PER_JOB: '100' }).rowsPerJob).toBe(100);
    for (const bad of ['0', '101', '2.5', 'ten']) {
      expect(() => loadConfig({ LEAD_IMPORTER_ROWS_PER_JOB: bad })).toThrow(ConfigError);
      // Every bad value gets the whole range: "≥ 1" for 0 sent operators to 500, which then said "1 to 100".
      expect(() => loadConfig({ LEAD_IMPORTER_ROWS_PER_JOB: bad })).toThrow(/from 1 to 100/);
    }
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
    [
      { PIPEDRIVE_BASE_URL: 'http://127.0.0.1:4701/api/v2' },
      /^PIPEDRIVE_BASE_URL is the company's address without the API's path, e\.g\. https:\/\/api\.pipedrive\.com: the importer adds \/api\/v1 and \/api\/v2 itself\. Drop "\/api\/v2" from its end \(got "http:\/\/127\.0\.0\.1:4701\/api\/v2"\)\.$/,
    ],
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

  it('keeps a base URL with a path of its own (a proxy), and an OAuth token URL whatever its path', () => {
    expect(loadConfig({ PIPEDRIVE_BASE_URL: 'https://proxy.example/pipedrive/' }).pipedrive.baseUrl).toBe(
      'https://proxy.example/pipedrive',
    );
    const oauth = loadConfig({
      PIPEDRIVE_OAUTH_CLIENT_ID: 'i',
      PIPEDRIVE_OAUTH_CLIENT_SECRET: 's',
      PIPEDRIVE_OAUTH_REFRESH_TOKEN: 'r',
      PIPEDRIVE_OAUTH_TOKEN_URL: 'https://auth.example/api/v1',
    });
    expect(oauth.pipedrive.oauth?.tokenUrl).toBe('https://auth.example/api/v1');
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

describe('loadConfig: where Redis is', () => {
  it('waits for one replica before the first create only when Redis is reached through Sentinel, unless told otherwise', () => {
    expect(loadConfig({}).worker).toMatchObject({ intentReplicas: 0, intentDurability: 'auto' });
    const sentinel = { REDIS_SENTINELS: '10.0.0.1', REDIS_SENTINEL_NAME: 'mymaster' };
    expect(loadConfig(sentinel).worker.intentReplicas).toBe(1);
    expect(loadConfig({ ...sentinel, REDIS_INTENT_REPLICAS: '0' }).worker.intentReplicas).toBe(0);
    expect(loadConfig({ REDIS_INTENT_REPLICAS: '2', REDIS_INTENT_DURABILITY: 'off' }).worker).toMatchObject({
      intentReplicas: 2,
      intentDurability: 'off',
    });
    expect(() => loadConfig({ REDIS_INTENT_DURABILITY: 'sometimes' })).toThrow(/REDIS_INTENT_DURABILITY/);
    expect(() => loadConfig({ REDIS_INTENT_REPLICAS: '-1' })).toThrow(/REDIS_INTENT_REPLICAS/);
  });

  it('keeps a plain REDIS_URL as it is', () => {
    expect(loadConfig({ REDIS_URL: 'redis://:pw@redis.internal:6380/2' }).redisUrl).toBe(
      'redis://:pw@redis.internal:6380/2',
    );
  });

  it('refuses a REDIS_URL whose password or user name has a stray %, saying which and how to write it (not "URI malformed")', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://:50%off@redis.internal:6379' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'redis://:50%off@redis.internal:6379' })).toThrow(
      'REDIS_URL: the password is not validly percent-encoded (write % as %25).',
    );
    expect(() => loadConfig({ REDIS_URL: 'redis://bad%zzuser:pw@redis.internal:6379' })).toThrow(
      /the user name is not/,
    );
    expect(loadConfig({ REDIS_URL: 'redis://:50%25off@redis.internal:6379' }).redisUrl).toBe(
      'redis://:50%25off@redis.internal:6379',
    );
  });

  it('builds one redis+sentinel:// URL from REDIS_SENTINELS and REDIS_SENTINEL_NAME (port 26379 when left out)', () => {
    const config = loadConfig({
      REDIS_SENTINELS: ' 10.0.0.1:26380, 10.0.0.2 ,[::1]:26381',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 's3cret&=',
    });
    expect(config.redisUrl).toBe(
      'redis+sentinel://10.0.0.1:26380,10.0.0.2:26379,[::1]:26381/mymaster?sentinelPassword=s3cret%26%3D',
    );
  });

  it('reads a redis+sentinel:// REDIS_URL with the primary password and db, and adds REDIS_SENTINEL_PASSWORD', () => {
    const config = loadConfig({
      REDIS_URL: 'redis+sentinel://:p%40ss@s1:26379,s2:26379/mymaster?db=3',
      REDIS_SENTINEL_PASSWORD: 'sp',
    });
    expect(config.redisUrl).toBe('redis+sentinel://:p%40ss@s1:26379,s2:26379/mymaster/3?sentinelPassword=sp');
    expect(loadConfig({ REDIS_URL: 'REDIS+SENTINEL://s1/m/1' }).redisUrl).toBe(
      'redis+sentinel://s1:26379/m/1',
    );
  });

  it.each([
    [{ REDIS_SENTINELS: 's1:26379' }, /REDIS_SENTINEL_NAME .*is not set/],
    [{ REDIS_SENTINEL_NAME: 'mymaster' }, /REDIS_SENTINELS is not set/],
    [
      { REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'm', REDIS_URL: 'redis://x' },
      /REDIS_URL and REDIS_SENTINELS both say where Redis is/,
    ],
    [
      { REDIS_SENTINELS: 's1:99999', REDIS_SENTINEL_NAME: 'm' },
      /REDIS_SENTINELS: "s1:99999" is not a sentinel address/,
    ],
    [
      { REDIS_URL: 'redis+sentinel://user:pw-host:26379/m' },
      /REDIS_URL: sentinel 1 of the host list is not a sentinel address/,
    ],
    [{ REDIS_SENTINELS: ',', REDIS_SENTINEL_NAME: 'm' }, /REDIS_SENTINELS must list at least one sentinel/],
    [{ REDIS_URL: 'redis+sentinel://s1:26379' }, /REDIS_URL must name the master group/],
    [{ REDIS_URL: 'redis+sentinel://s1:26379/m?password=x' }, /REDIS_URL: unknown parameter "password"/],
    [{ REDIS_URL: 'redis+sentinel://s1:26379/m/x' }, /REDIS_URL: the database must be a whole number/],
    [{ REDIS_URL: 'rediss+sentinel://s1:26379/m' }, /TLS to Sentinel .* is not supported/],
    [{ REDIS_SENTINEL_PASSWORD: 'x' }, /REDIS_SENTINEL_PASSWORD is set but no Sentinel is configured/],
    [{ REDIS_URL: 'redis+sentinel://s1/m?sentinelPassword=a', REDIS_SENTINEL_PASSWORD: 'b' }, /given twice/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never puts a Redis password in an error message', () => {
    for (const env of [
      { REDIS_URL: 'redis+sentinel://:primary-secret@s1:26379/m?sentinelPassword=sentinel-secret&x=1' },
      { REDIS_URL: 'redis+sentinel://:primary-secret@s1:bad/m' },
      { REDIS_URL: 'redis+sentinel://user:primary-secret:26379/m' },
      { REDIS_URL: 'redis://redis', REDIS_SENTINEL_PASSWORD: 'sentinel-secret' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      try {
        loadConfig(env);
      } catch (err) {
        expect(String(err)).not.toMatch(/primary-secret|sentinel-secret/);
      }
    }
  });
});

describe('a secret typed into the wrong variable', () => {
  const token = '3f9c1e0b7a5d4c2e8f6a1b3c5d7e9f0a2b4c6d8e';
  const refused = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(env)}`);
  };

  it.each([
    'PIPEDRIVE_SEATS',
    'PIPEDRIVE_PLAN',
    'PIPEDRIVE_TIMEOUT_MS',
    'PIPEDRIVE_DAILY_TOKENS',
    'PIPEDRIVE_BUDGET_RESERVE',
    'PIPEDRIVE_BUDGET_RESET_UTC',
    'LOG_LEVEL',
    'WORKER_CONCURRENCY',
    'LEAD_IMPORTER_ROWS_PER_JOB',
    'REDIS_INTENT_DURABILITY',
  ])('is not quoted back by the error about %s', (name) => {
    const message = refused({ [name]: token });
    expect(message).toContain(name);
    expect(message).toContain('not shown: it may be a secret');
    expect(message).not.toContain(token.slice(0, 12));
  });

  it('is not quoted back from a base URL, in quotes as an env file keeps them or after api_token=', () => {
    for (const url of [`"${token}"`, `api_token=${token}`, `http://${token}`]) {
      const message = refused({ PIPEDRIVE_BASE_URL: url, PIPEDRIVE_ALLOW_INSECURE_HTTP: '' });
      expect(message).toContain('PIPEDRIVE_BASE_URL');
      expect(message, url).not.toContain(token.slice(0, 12));
    }
  });

  it('nor is a short password, where another variable holds it; a plain mistake is still quoted', () => {
    const message = refused({ DASHBOARD_PASSWORD: 'hunter2!x', PIPEDRIVE_SEATS: 'hunter2!x' });
    expect(message).not.toContain('hunter2');
    expect(refused({ PIPEDRIVE_SEATS: 'five' })).toContain('got "five"');
  });
});

describe('a redis:// URL that is not one', () => {
  it('is a configuration error naming the variable, without its password', () => {
    for (const url of ['redis://:s3cret-pw@127.0.0.1:99999', 'redis://:s3cret-pw@127.0.0.1:notaport']) {
      let message = '';
      try {
        loadConfig({ REDIS_URL: url });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message, url).toMatch(/^REDIS_URL is not a valid URL \(is its port a number up to 65535\?\)/);
      expect(message).not.toContain('s3cret');
    }
  });
});
