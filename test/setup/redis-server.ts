// Moved to src/dev/private-redis.ts (the demo uses it too); re-exported for tests and benches.
export * from '../../src/dev/private-redis.js';
