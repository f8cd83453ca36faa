import { describe, expect, it } from 'vitest';
import {
  burnDownSvg,
  burnDownText,
  compact,
  leadsPerMinuteSvg,
  leadsPerMinuteText,
  niceCeiling,
} from '../../src/dashboard/charts.js';
import { connectionCardsHtml } from '../../src/dashboard/imports-page.js';
import {
  type BudgetBurnDown,
  buildBurnDown,
  type ConnectionActivity,
  type LeadsPerMinute,
} from '../../src/ops/connection-activity.js';

const MIN = 60_000;
const now = Date.parse('2026-12-01T12:00:00Z');
const resetsAt = Date.parse('2026-12-02T00:00:00Z');

function burnDown(used: number, perMinute: number): BudgetBurnDown {
  const from = resetsAt - 24 * 60 * MIN;
  return buildBurnDown({
    now,
    budget: { total: 30_000, limit: 27_000, used, left: 27_000 - used, resetsAt },
    // `perMinute` a minute from 11:00 to 11:59; nothing yet in the minute that begins now.
    minutes: { from, tokens: Array.from({ length: 721 }, (_, i) => (i >= 660 && i < 720 ? perMinute : 0)) },
  });
}

function leads(counts: number[]): LeadsPerMinute {
  return {
    from: now - 59 * MIN,
    counts,
    total: counts.reduce((a, b) => a + b, 0),
    peak: Math.max(0, ...counts),
  };
}

/** The numbers an SVG's elements carry, by class. */
function attr(svg: string, cls: string, name: string): number[] {
  return [...svg.matchAll(new RegExp(`class="${cls}"[^>]*?\\b${name}="([\\d.]+)"`, 'g'))].map((m) =>
    Number(m[1]),
  );
}

describe('the burn-down chart', () => {
  it('draws the spent line, the limit with the reserve above it, now, and the projection to the run-out', () => {
    // 12,000 spent, 200 a minute for the last hour: 15,000 left → 75 min → 13:15.
    const b = burnDown(12_000, 200);
    expect(b.projection.text).toBe('runs out ≈ 13:15 UTC at 200 tokens/min');
    const svg = burnDownSvg('c-acme-burn', 'acme', b, now);
    expect(svg).toMatch(
      /^<svg class="chart burn-down" viewBox="0 0 320 132" role="img" aria-labelledby="c-acme-burn-t c-acme-burn-d"/,
    );
    expect(svg).toContain('<title id="c-acme-burn-t">Budget today, acme</title>');
    expect(svg).toContain(
      '<desc id="c-acme-burn-d">Spent 12,000 of 27,000 tokens today, 15,000 left (3,000 of the company&#39;s 30,000 kept in reserve); runs out ≈ 13:15 UTC at 200 tokens/min; resets 2026-12-02 00:00 UTC.</desc>',
    );
    // Plot: x 40…310 over the day, y 10…110 over 0…30,000 tokens.
    const [limitY] = attr(svg, 'limit', 'y1');
    expect(limitY).toBe(20); // 27,000 of 30,000
    expect(attr(svg, 'reserve', 'y')).toEqual([10]);
    expect(attr(svg, 'reserve', 'height')).toEqual([10]);
    expect(attr(svg, 'now', 'x1')).toEqual([175]); // noon: half way
    // The projection meets the limit at 13:15.
    const x2 = attr(svg, 'projection', 'x2')[0]!;
    expect(x2).toBeCloseTo(40 + (13.25 / 24) * 270, 0);
    expect(attr(svg, 'projection', 'y2')).toEqual([20]);
    expect(svg).toContain('class="runs-out"');
    // The spent line ends at now, at 12,000 tokens.
    const points = /class="spent" points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(points.at(-1)).toBe('175,70');
    expect(points[0]).toBe('40,110');
  });

  it('projects to the reset when the budget lasts the day, and not at all when it is spent', () => {
    const lasts = burnDown(3_000, 10);
    expect(lasts.projection.verdict).toBe('lasts-the-day');
    const svg = burnDownSvg('x', 'acme', lasts, now);
    expect(attr(svg, 'projection', 'x2')).toEqual([310]);
    expect(svg).not.toContain('class="runs-out"');

    const spent = burnDown(27_000, 200);
    expect(spent.projection.verdict).toBe('spent');
    expect(burnDownSvg('y', 'acme', spent, now)).not.toContain('class="projection"');
    expect(burnDownText(spent)).toContain('0 left');
    // A budget without a reserve says so rather than "0 of the company's … kept".
    expect(burnDownText({ ...spent, reserve: 0, total: spent.limit })).toContain('0 left (no reserve kept);');
  });
});

describe('the burn-down chart of a connection whose queued rows cannot spend what is left', () => {
  it('ends the projection where those rows would have spent all they can, below the limit, as its verdict says', () => {
    // 3,000 spent, 200 a minute; 50 rows queued need at most 3,600 tokens of the 24,000 left: it lasts the day.
    const from = resetsAt - 24 * 60 * MIN;
    const b = buildBurnDown({
      now,
      budget: { total: 30_000, limit: 27_000, used: 3_000, left: 24_000, resetsAt },
      minutes: { from, tokens: Array.from({ length: 721 }, (_, i) => (i >= 660 && i < 720 ? 200 : 0)) },
      pending: 50,
      state: 'running',
    });
    expect(b.projection.verdict).toBe('lasts-the-day');
    expect(b.projection.text).toMatch(/^lasts the day: the 50 rows queued need at most 3,600 tokens/);
    const svg = burnDownSvg('c-acme-burn', 'acme', b, now);
    const [limitY] = attr(svg, 'limit', 'y1');
    // The dotted line went on at 200 a minute to the reset, 147,000 tokens: through the limit to the chart's top,
    // a run-out drawn beside a "budget lasts the day" badge. It ends at 6,600 tokens, 18 minutes from now.
    const [y2] = attr(svg, 'projection', 'y2');
    expect(y2).toBeGreaterThan(limitY!);
    expect(y2).toBe(88);
    expect(attr(svg, 'projection', 'x2')[0]).toBeCloseTo(40 + ((12 + 18 / 60) / 24) * 270, 0);
    expect(svg).not.toContain('class="runs-out"');
  });
});

describe('the charts’ time axes', () => {
  it('say their times are UTC, which a reader in another time zone would otherwise take for local times', () => {
    const burn = burnDownSvg('b', 'acme', burnDown(12_000, 200), now);
    const ticks = (svg: string) =>
      [...svg.matchAll(/<text class="tick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    // The axis read "00:00 · 12:00 · 00:00" and "11:01 · 11:31 · now" with no zone, in a browser in Los Angeles.
    expect(ticks(burn)).toContain('00:00 UTC');
    const perMinute = leadsPerMinuteSvg('l', 'acme', leads(Array.from({ length: 60 }, () => 1)));
    expect(ticks(perMinute)).toContain('11:01 UTC');
  });
});

describe('the leads per minute chart', () => {
  it('draws a bar per minute with leads, the current minute apart, on a round scale', () => {
    const counts = Array.from({ length: 60 }, () => 0);
    counts[0] = 10;
    counts[58] = 37;
    counts[59] = 5;
    const l = leads(counts);
    const svg = leadsPerMinuteSvg('c-acme-leads', 'acme', l);
    expect(svg.match(/class="bar"/g)).toHaveLength(2);
    expect(svg.match(/class="bar-now"/g)).toHaveLength(1);
    // Scale 0…50: 37 is 74 px of 100.
    expect(svg).toContain('>50</text>');
    expect(svg).toContain('>leads/min</text>');
    expect(attr(svg, 'bar', 'height')).toEqual([20, 74]);
    expect(svg).toContain(
      '<desc id="c-acme-leads-d">52 leads created in the last hour; at most 37 in a minute; 37 in the last full minute.</desc>',
    );
    expect(leadsPerMinuteText(leads(Array(60).fill(0)))).toBe(
      '0 leads created in the last hour; at most 0 in a minute; 0 in the last full minute.',
    );
  });

  it('says one lead, not "1 leads", in the words a screen reader reads', () => {
    const one = Array.from({ length: 60 }, () => 0);
    one[58] = 1;
    expect(leadsPerMinuteText(leads(one))).toBe(
      '1 lead created in the last hour; at most 1 in a minute; 1 in the last full minute.',
    );
  });

  it('rounds its scale and labels', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 37, 120, 999].map(niceCeiling)).toEqual([
      1, 1, 2, 5, 10, 10, 20, 50, 200, 1000,
    ]);
    expect([950, 1_000, 1_500, 27_000, 1_250_000].map(compact)).toEqual(['950', '1k', '1.5k', '27k', '1.3M']);
  });
});

describe('connection cards', () => {
  const card = (over: Partial<ConnectionActivity>): ConnectionActivity => ({
    connection: 'acme',
    state: 'running',
    stateText: 'running: 6 leads/min over the last 5 min',
    queued: 38,
    active: 2,
    budget: burnDown(12_000, 200),
    leadsPerMinute: leads(Array(60).fill(3)),
    ...over,
  });

  it('say the state and the budget’s verdict in words, beside the charts', () => {
    const html = connectionCardsHtml([card({})], now, true);
    expect(html).toContain('data-connection="acme"');
    expect(html).toContain('<span class="badge c-running" data-state="running">running</span>');
    expect(html).toContain('data-verdict="runs-out">runs out ≈ 13:15 UTC</span>');
    expect(html).toContain('running: 6 leads/min over the last 5 min · 38 queued, 2 in flight');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('<figcaption>180 leads created in the last hour');
    const none = connectionCardsHtml([card({ budget: null, state: 'idle', stateText: 'idle' })], now, true);
    expect(none).toContain('No budget yet: no worker has served acme today.');
    expect(none.match(/<svg /g)).toHaveLength(1);
    // Blocked from the start: its worker did try, and Pipedrive refused the credentials (it said no worker had served
    // it, which reads as a missing worker, the starved connection's trouble).
    const refused = connectionCardsHtml(
      [card({ budget: null, state: 'blocked', stateText: 'blocked: Pipedrive rejected the API token' })],
      now,
      true,
    );
    expect(refused).toContain(
      'No budget yet: Pipedrive has refused acme’s credentials since the worker started.',
    );
    expect(refused).not.toContain('no worker has served');
  });

  it('say a blocked, paused or starved connection is held, not that its budget lasts the day', () => {
    // As readConnectionActivity builds it for a held connection: its rate is not projected forward.
    const held = (state: ConnectionActivity['state']) => {
      const budget = buildBurnDown({
        now,
        budget: { total: 30_000, limit: 27_000, used: 12_000, left: 15_000, resetsAt },
        minutes: { from: resetsAt - 24 * 60 * MIN, tokens: Array(721).fill(200) },
        pending: 38,
        state,
      });
      return card({ state, stateText: `${state}: why`, budget });
    };
    for (const state of ['blocked', 'paused', 'starved'] as const) {
      const html = connectionCardsHtml([held(state)], now, true);
      expect(html).toContain(`<span class="badge c-${state}" data-state="${state}">${state}</span>`);
      expect(html).not.toContain('budget lasts the day');
      expect(html).not.toContain('data-verdict');
    }
    // Nothing spent recently: the projection lasts the day without being held, and the card still says only paused.
    const quiet = card({ state: 'paused', stateText: 'paused', budget: burnDown(12_000, 0) });
    expect(quiet.budget?.projection.verdict).toBe('lasts-the-day');
    expect(connectionCardsHtml([quiet], now, true)).not.toContain('budget lasts the day');
    // A spent budget still says so: it holds the rows back as well.
    const spent = card({ state: 'blocked', stateText: 'blocked: 401', budget: burnDown(27_000, 200) });
    expect(connectionCardsHtml([spent], now, true)).toContain('data-verdict="spent">budget spent</span>');
    // Spent as its state says: said once. The card showed "budget spent" twice, side by side.
    const waiting = card({
      state: 'budget-spent',
      stateText: 'budget spent: rows wait until 2026-12-02 00:00 UTC',
      budget: burnDown(27_000, 200),
    });
    const once = connectionCardsHtml([waiting], now, true);
    expect(once).toContain(
      '<span class="badge c-budget-spent" data-state="budget-spent">budget spent</span>',
    );
    expect(once.match(/>budget spent<\/span>/g)).toHaveLength(1);
    // Any other state keeps its verdict.
    const idle = card({ state: 'idle', stateText: 'idle', budget: burnDown(12_000, 0) });
    expect(connectionCardsHtml([idle], now, true)).toContain(
      'data-verdict="lasts-the-day">budget lasts the day</span>',
    );
  });

  it('escape every value they print, even where a number belongs', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const b = burnDown(12_000, 200);
    const html = connectionCardsHtml(
      [
        card({
          // What the types promise is not what Redis may hold: a name or text edited by hand.
          connection: `"><svg onload=alert(2)>` as string,
          state: hostile as ConnectionActivity['state'],
          stateText: `blocked: ${hostile}`,
          queued: hostile as unknown as number,
          budget: {
            ...b,
            projection: { ...b.projection, verdict: hostile as 'runs-out', text: `x ${hostile}` },
          },
        }),
      ],
      now,
      true,
    );
    expect(html).not.toMatch(/<img|<svg onload|"><svg/i);
    expect(html).toContain('blocked: &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(2)&gt;');
  });
});
