import { describe, expect, it } from 'vitest';
import { DistinctCounter } from '../../src/producer/distinct-counter.js';
import { estimateImport, planLookups } from '../../src/producer/estimate.js';

describe('estimateImport', () => {
  const base = { burstPer2s: 20, dailyTokens: 30_000 };

  it('charges 10 per lead, 20 per search and 5 per contact created', () => {
    const e = estimateImport({ ...base, leads: 1_000, distinctPersons: 800, distinctOrganizations: 200 });
    // At worst every contact is searched and created.
    expect(e.maxTokens).toBe(1_000 * 10 + (800 + 200) * 20 + (800 + 200) * 5);
    expect(e.persons).toEqual({ strategy: 'search', requests: 800, tokens: 16_000, atMost: true });
    // At best the company has few contacts: the workers list them (a page of each kind) rather than search
    // (cache-warmer.ts), which a dry run that does not count them cannot rule out. A user's 1,500-person import
    // was estimated at 50,800 tokens "if every contact exists" and cost 27,780 in all.
    expect(e.minTokens).toBe(1_000 * 10 + 10 + 10);
    // Known counts: the cheaper of the two, exactly.
    const known = estimateImport({
      ...base,
      leads: 1_000,
      distinctPersons: 800,
      distinctOrganizations: 200,
      existingPersons: 1_000_000,
      existingOrganizations: 1_000_000,
    });
    expect(known.minTokens).toBe(1_000 * 10 + 800 * 20 + 200 * 20);
  });

  it('says when the best case fits in one day and the worst does not', () => {
    const e = estimateImport({ ...base, leads: 2_000, distinctPersons: 2_000, distinctOrganizations: 0 });
    expect(e.minDays).toBe(1);
    expect(e.days).toBe(3);
  });

  it('lists the company contacts instead of searching when that is cheaper', () => {
    expect(planLookups(800, 2_400)).toEqual({ strategy: 'list', requests: 5, tokens: 50 });
    expect(planLookups(2, 100_000)).toEqual({ strategy: 'search', requests: 2, tokens: 40 });
  });

  it('spreads an import over budget days when it needs more than one day of tokens', () => {
    // 3,000 leads with known contacts: 30,000 tokens; 27,000 usable per day after the 10% reserve.
    const e = estimateImport({
      ...base,
      leads: 3_000,
      distinctPersons: 0,
      distinctOrganizations: 0,
    });
    expect(e.usableTokensPerDay).toBe(27_000);
    expect(e.days).toBe(2);
    expect(e.totalTimeMs).toBeGreaterThan(24 * 3600 * 1000);
  });

  it('times the best case as its tokens count it: no search and no create when listing is cheap', () => {
    const e = estimateImport({
      leads: 2_000,
      distinctPersons: 2_000,
      distinctOrganizations: 300,
      burstPer2s: 40,
      dailyTokens: 1e9,
    });
    expect(e.minRequests).toBe(2_002);
    expect(e.minApiTimeMs).toBe(Math.ceil((2_002 / 18) * 1000));
    expect(e.requests).toBe(6_600);
    expect(e.apiTimeMs).toBe(460_000);
  });

  it('paces searches at 10 per 2 s even when the plan allows more requests', () => {
    const e = estimateImport({
      leads: 100,
      distinctPersons: 100,
      distinctOrganizations: 0,
      burstPer2s: 480,
      dailyTokens: 1e9,
    });
    expect(e.apiTimeMs).toBe(20_000);
  });
});

describe('DistinctCounter', () => {
  it('counts exactly up to its limit, then within a few percent', () => {
    const small = new DistinctCounter(1_000);
    for (let i = 0; i < 900; i++) small.add(`k${i % 300}`);
    expect(small.count).toBe(300);
    expect(small.isExact).toBe(true);
    const big = new DistinctCounter(1_000);
    for (let i = 0; i < 100_000; i++) big.add(`e:person${i % 50_000}@example.com`);
    expect(big.isExact).toBe(false);
    expect(Math.abs(big.count - 50_000) / 50_000).toBeLessThan(0.03);
  });
});
