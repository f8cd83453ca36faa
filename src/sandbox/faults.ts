/**
 * Seeded fault injection. Every API request draws the same number of values from the generator,
 * whatever the outcome, so a given seed yields the same fault sequence for the same request order.
 */

import { seededRandom } from '../dev/seeded-random.js';

/** The seeded PRNG of fault decisions. */
export const createRandom = seededRandom;

export type FaultKind = 'none' | 'reset' | 'timeout' | 'error';

export interface FaultDecision {
  kind: FaultKind;
  /** For writes: the write is applied first and only the response is lost. */
  afterWrite: boolean;
  /** For `error`: the status to answer (500, 502 or 503). */
  status: 500 | 502 | 503;
  /** For 503: answer with an HTML maintenance page instead of JSON. */
  html: boolean;
}

export interface FaultRates {
  faultRate: number;
  timeoutRate: number;
  resetRate: number;
  faultAfterWriteRatio: number;
}

const STATUSES = [500, 502, 503] as const;

export class FaultInjector {
  private random: () => number;
  /** Faults injected so far, by kind. */
  readonly injected = { error: 0, timeout: 0, reset: 0, afterWrite: 0 };

  constructor(seed: number) {
    this.random = createRandom(seed);
  }

  reseed(seed: number): void {
    this.random = createRandom(seed);
  }

  resetCounts(): void {
    this.injected.error = 0;
    this.injected.timeout = 0;
    this.injected.reset = 0;
    this.injected.afterWrite = 0;
  }

  decide(rates: FaultRates, isWrite: boolean): FaultDecision {
    const roll = this.random();
    const after = this.random();
    const pick = this.random();
    const html = this.random();
    let kind: FaultKind = 'none';
    if (roll < rates.resetRate) kind = 'reset';
    else if (roll < rates.resetRate + rates.timeoutRate) kind = 'timeout';
    else if (roll < rates.resetRate + rates.timeoutRate + rates.faultRate) kind = 'error';
    const afterWrite = kind !== 'none' && isWrite && after < rates.faultAfterWriteRatio;
    if (kind !== 'none') {
      this.injected[kind]++;
      if (afterWrite) this.injected.afterWrite++;
    }
    return {
      kind,
      afterWrite,
      status: STATUSES[Math.min(2, Math.floor(pick * 3))]!,
      html: html < 0.5,
    };
  }
}
