import type { BudgetBurnDown, LeadsPerMinute } from '../ops/connection-activity.js';
import { formatCount, formatUtc } from '../ops/format.js';
import { esc } from './escape.js';

/**
 * Small charts for the imports page, as inline SVG written on the server: no script draws them, so the page's
 * CSP (scripts by nonce only) needs nothing more, and a reader without sight gets the same numbers from each
 * chart's `<title>`/`<desc>` (named by `aria-labelledby`) and from the caption under it. Every value is escaped,
 * numbers too (see {@link esc}).
 */

const W = 320;
const H = 132;
const PAD = { left: 40, right: 10, top: 10, bottom: 22 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `12k`, `1.5M`, `950`: an axis label. */
export function compact(n: number): string {
  const a = Math.abs(n);
  const fmt = (v: number, unit: string) => `${Number(v.toFixed(v < 10 ? 1 : 0))}${unit}`;
  if (a >= 1_000_000) return fmt(n / 1_000_000, 'M');
  if (a >= 1_000) return fmt(n / 1_000, 'k');
  return String(Math.round(n));
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** A coordinate with one decimal: enough for a 320-px chart, and short. */
const c = (v: number) => String(Math.round(v * 10) / 10);

/** The chart's frame: `<svg>` with its accessible name and description. `id` must be unique on the page. */
function frame(id: string, title: string, desc: string, body: string, className: string): string {
  return `<svg class="chart ${esc(className)}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${esc(id)}-t ${esc(id)}-d" data-chart="${esc(id)}"><title id="${esc(id)}-t">${esc(title)}</title><desc id="${esc(id)}-d">${esc(desc)}</desc>${body}</svg>`;
}

/** The budget burn-down's description: the same numbers the chart draws, in words. */
export function burnDownText(b: BudgetBurnDown): string {
  const reserve =
    b.reserve > 0
      ? ` (${formatCount(b.reserve)} of the company's ${formatCount(b.total)} kept in reserve)`
      : ' (no reserve kept)';
  return `Spent ${formatCount(b.used)} of ${formatCount(b.limit)} tokens today, ${formatCount(b.left)} left${reserve}; ${b.projection.text}; resets ${formatUtc(b.resetsAt)}.`;
}

/**
 * Today's budget: tokens spent since the budget day began (solid line, filled below), the importer's limit
 * (dashed) with the reserve above it (shaded band up to the company's daily tokens), now (a thin vertical
 * line), and the projection from the recent rate (dotted) to where it meets the limit, or to the reset, or to where
 * the rows queued have spent the most they can (none
 * when nothing is queued or in flight: a finished import's rate is not projected; none either while the
 * connection is blocked, paused or starved, when nothing is sent).
 */
export function burnDownSvg(id: string, connection: string, b: BudgetBurnDown, now: number): string {
  const start = b.dayStartsAt;
  const top = Math.max(b.total, b.limit, b.used, 1);
  const x = (t: number) =>
    PAD.left + (Math.min(Math.max(t, start), start + DAY_MS) - start) * (PLOT_W / DAY_MS);
  const y = (v: number) => PAD.top + PLOT_H - (Math.min(Math.max(v, 0), top) / top) * PLOT_H;
  const bottom = PAD.top + PLOT_H;
  const parts: string[] = [];
  // The reserve: from the limit up to the company's daily tokens.
  if (b.reserve > 0) {
    parts.push(
      `<rect class="reserve" x="${c(PAD.left)}" y="${c(y(b.total))}" width="${c(PLOT_W)}" height="${c(y(b.limit) - y(b.total))}"/>`,
    );
  }
  parts.push(
    `<line class="limit" x1="${c(PAD.left)}" x2="${c(PAD.left + PLOT_W)}" y1="${c(y(b.limit))}" y2="${c(y(b.limit))}"/>`,
  );
  const points = b.spent.map((p) => `${c(x(p.at))},${c(y(p.used))}`);
  if (points.length > 0) {
    const last = b.spent[b.spent.length - 1]!;
    parts.push(
      `<polygon class="spent-area" points="${esc(`${c(x(b.spent[0]!.at))},${c(bottom)} ${points.join(' ')} ${c(x(last.at))},${c(bottom)}`)}"/>`,
      `<polyline class="spent" points="${esc(points.join(' '))}"/>`,
    );
  }
  const p = b.projection;
  if (p.verdict !== 'spent' && p.tokensPerMinute > 0 && !p.nothingQueued && !p.held) {
    // To the run-out, else to the reset or to where the rows queued have spent all they can, if that comes first:
    // a line going on at the rate past what they need would cross the limit beside "lasts the day".
    const toReset = (p.tokensPerMinute * (b.resetsAt - now)) / 60_000;
    const spendable = Math.min(toReset, p.queuedTokensAtMost ?? Number.POSITIVE_INFINITY);
    const endAt = p.runsOutAt ?? now + (spendable / p.tokensPerMinute) * 60_000;
    const endUsed = p.runsOutAt ? b.limit : b.used + spendable;
    parts.push(
      `<line class="projection" x1="${c(x(now))}" y1="${c(y(b.used))}" x2="${c(x(endAt))}" y2="${c(y(endUsed))}"/>`,
    );
    if (p.runsOutAt) parts.push(`<circle class="runs-out" cx="${c(x(endAt))}" cy="${c(y(b.limit))}" r="3"/>`);
  }
  parts.push(
    `<line class="now" x1="${c(x(now))}" x2="${c(x(now))}" y1="${c(PAD.top)}" y2="${c(bottom)}"/>`,
    `<line class="axis" x1="${c(PAD.left)}" x2="${c(PAD.left + PLOT_W)}" y1="${c(bottom)}" y2="${c(bottom)}"/>`,
    // Axis labels: the budget day's start (with its zone: a reader elsewhere would take it for local time), middle
    // and reset; 0, the limit and the daily tokens.
    ...[0, 0.5, 1].map(
      (f, i) =>
        `<text class="tick" x="${c(PAD.left + f * PLOT_W)}" y="${c(H - 6)}" text-anchor="${['start', 'middle', 'end'][i]}">${esc(`${hhmm(start + f * DAY_MS)}${i === 0 ? ' UTC' : ''}`)}</text>`,
    ),
    `<text class="tick" x="${c(PAD.left - 4)}" y="${c(bottom)}" text-anchor="end">0</text>`,
    `<text class="tick" x="${c(PAD.left - 4)}" y="${c(y(b.limit) + 4)}" text-anchor="end">${esc(compact(b.limit))}</text>`,
  );
  if (b.reserve > 0 && y(b.limit) - y(b.total) >= 9) {
    parts.push(
      `<text class="tick reserve-label" x="${c(PAD.left + PLOT_W - 4)}" y="${c(y(b.limit) - 3)}" text-anchor="end">reserve ${esc(compact(b.reserve))}</text>`,
    );
  }
  return frame(id, `Budget today, ${connection}`, burnDownText(b), parts.join(''), 'burn-down');
}

/** Leads per minute's description, in words. */
export function leadsPerMinuteText(l: LeadsPerMinute): string {
  const last = l.counts.length >= 2 ? l.counts[l.counts.length - 2]! : 0;
  return `${formatCount(l.total)} ${l.total === 1 ? 'lead' : 'leads'} created in the last hour; at most ${formatCount(l.peak)} in a minute; ${formatCount(last)} in the last full minute.`;
}

/** A round axis maximum at or above `n`: 1, 2, 5, 10, 20, 50, … */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= n) return m * magnitude;
  return 10 * magnitude;
}

/** Leads created per minute over the last hour: one bar per minute, the current (unfinished) one lighter. */
export function leadsPerMinuteSvg(id: string, connection: string, l: LeadsPerMinute): string {
  const max = niceCeiling(l.peak);
  const n = l.counts.length || 1;
  const slot = PLOT_W / n;
  const bottom = PAD.top + PLOT_H;
  const bars = l.counts
    .map((count, i) => {
      if (count <= 0) return '';
      const h = (Math.min(count, max) / max) * PLOT_H;
      const cls = i === n - 1 ? 'bar-now' : 'bar';
      return `<rect class="${cls}" x="${c(PAD.left + i * slot + 0.5)}" y="${c(bottom - h)}" width="${c(Math.max(1, slot - 1))}" height="${c(h)}"/>`;
    })
    .join('');
  const labels = [
    `<line class="axis" x1="${c(PAD.left)}" x2="${c(PAD.left + PLOT_W)}" y1="${c(bottom)}" y2="${c(bottom)}"/>`,
    `<line class="grid" x1="${c(PAD.left)}" x2="${c(PAD.left + PLOT_W)}" y1="${c(PAD.top)}" y2="${c(PAD.top)}"/>`,
    `<text class="tick" x="${c(PAD.left - 4)}" y="${c(bottom)}" text-anchor="end">0</text>`,
    // The unit inside the plot: "300/min" outside it is wider than the margin (its first digit was cut off).
    `<text class="tick" x="${c(PAD.left - 4)}" y="${c(PAD.top + 8)}" text-anchor="end">${esc(compact(max))}</text>`,
    `<text class="tick" x="${c(PAD.left + 3)}" y="${c(PAD.top + 8)}" text-anchor="start">leads/min</text>`,
    `<text class="tick" x="${c(PAD.left)}" y="${c(H - 6)}" text-anchor="start">${esc(`${hhmm(l.from)} UTC`)}</text>`,
    `<text class="tick" x="${c(PAD.left + PLOT_W / 2)}" y="${c(H - 6)}" text-anchor="middle">${esc(hhmm(l.from + 30 * 60_000))}</text>`,
    `<text class="tick" x="${c(PAD.left + PLOT_W)}" y="${c(H - 6)}" text-anchor="end">now</text>`,
  ].join('');
  return frame(
    id,
    `Leads per minute, last hour, ${connection}`,
    leadsPerMinuteText(l),
    bars + labels,
    'leads',
  );
}
