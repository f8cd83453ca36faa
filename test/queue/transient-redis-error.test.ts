import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isTransientRedisError } from '../../src/queue/transient-redis-error.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isTransientRedisError', () => {
  it.each([
    new ReplyError('MOVED 3999 127.0.0.1:6381'),
    new ReplyError('ASK 3999 127.0.0.1:6381'),
    new ReplyError('CLUSTERDOWN The cluster is down'),
    new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'),
    new ReplyError('LOADING Redis is loading the dataset in memory'),
    new ReplyError("READONLY You can't write against a read only replica."),
    new Error('Connection is closed.'),
    new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    new Error('Reached the max retries per request limit (which is 1).'),
    withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
    // Redis killed while a pipeline was half answered (an import's producer under Node 22 exited 1 on it).
    Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' }),
  ])('retries $message', (err) => {
    expect(isTransientRedisError(err)).toBe(true);
  });

  it.each([
    new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
    new ReplyError('NOSCRIPT No matching script'),
    new TypeError('Connection is closed.'),
    new Error('Import x does not exist'),
    'Connection is closed.',
  ])('does not retry %s', (err) => {
    expect(isTransientRedisError(err)).toBe(false);
  });
});
