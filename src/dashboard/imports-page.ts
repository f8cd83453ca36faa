import { type ConnectionActivity, type ConnectionState, HELD_STATES } from '../ops/connection-activity.js';
import { describedColumn, formatCount, formatUtc } from '../ops/format.js';
import { hasFinished, type ImportStatus } from '../ops/status.js';
import type { LastVerification } from '../ops/verify.js';
import { burnDownSvg, burnDownText, leadsPerMinuteSvg, leadsPerMinuteText } from './charts.js';
import { esc } from './escape.js';
import type { ImportDetail, Overview } from './overview.js';

export { esc };

/** A time for the page; an entry whose time is not a number (edited by hand) shows what it holds instead of failing. */
function safeUtc(ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? formatUtc(ms) : String(ms ?? '');
}

const STYLE = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2430;--muted:#667085;--line:#e4e7ec;--accent:#2f6fed;
--ok:#12805c;--warn:#b25e09;--bad:#c0362c;--idle:#667085}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header{background:#121926;color:#fff;padding:0 24px;display:flex;align-items:center;gap:24px;height:52px}
header .brand{font-weight:650;letter-spacing:.2px}
header nav a{color:#c9d3e3;text-decoration:none;margin-right:16px}
header nav a.active,header nav a:hover{color:#fff}
main{max-width:1280px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:20px;margin:4px 0 16px}
.strip{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px;min-width:150px}
.tile .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.tile .v{font-size:18px;font-weight:600;font-variant-numeric:tabular-nums}
.notice{background:#fff4e5;border:1px solid #f5c98a;color:#7a4100;border-radius:10px;padding:10px 14px;margin-bottom:16px}
.notice.bad{background:#fdecea;border-color:#f1b0aa;color:#8a1f16}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:10px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.4px;background:#fafbfc}
/* Numbers never break; their headings may ("Reused contacts", "Dead-lettered" on one line each were 155 and 136 px
   wide): a 50-million-row import's counts beside them pushed the ETA out of sight at 1,280 px. */
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
tr:last-child td{border-bottom:0}
/* An import id may be 64 characters with nowhere to break (--import-id): unbroken, it and the file name set the
   File column's width and push the ETA out of sight at 1,280 px. */
#imports td:first-child{overflow-wrap:anywhere;min-width:12em}
td .sub{color:var(--muted);font-size:12px}
a{color:var(--accent)}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap}
.s-running,.s-reading{background:#e8f0fe;color:#1f57c3}
.s-completed{background:#e3f5ec;color:var(--ok)}
.s-waiting-for-budget,.s-paused,.s-stalled,.s-waiting-for-reimport{background:#fff1dc;color:var(--warn)}
.s-blocked,.s-failed{background:#fdecea;color:var(--bad)}
.s-cancelled{background:#eef0f3;color:var(--idle)}
/* Not .bar: that is the leads-per-minute chart's <rect class="bar">, whose height CSS would override. */
.progress{height:8px;background:#edf0f4;border-radius:99px;overflow:hidden;min-width:80px}
.progress>span{display:block;height:100%;background:linear-gradient(90deg,#2f6fed,#4f8df7);transition:width .6s ease}
.s-completed-bar>span{background:#19a974}
.pct{font-size:12px;color:var(--muted);margin-top:3px;font-variant-numeric:tabular-nums}
.empty{padding:28px;text-align:center;color:var(--muted)}
.bad{color:var(--bad)}
dl.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:0;padding:16px}
dl.kv div{border-left:3px solid var(--line);padding-left:10px}
dl.kv dt{color:var(--muted);font-size:12px}
dl.kv dd{margin:0;font-size:17px;font-weight:600;font-variant-numeric:tabular-nums}
h2{font-size:16px;margin:24px 0 10px}
code{background:#eef0f3;border-radius:4px;padding:1px 5px}
.actions{display:flex;gap:8px;margin:0 0 16px}
button{font:inherit;border:1px solid var(--line);background:#fff;border-radius:8px;padding:6px 12px;cursor:pointer}
button:hover{border-color:var(--accent)}
footer{color:var(--muted);font-size:12px;margin-top:14px}
nav.filters{margin:0 0 14px;color:var(--muted)}
nav.filters a{margin-right:10px;text-decoration:none}
nav.filters a.active{font-weight:650;color:var(--ink)}
/* min(): at a phone's width a card is as wide as the page, not 600 px and cut off. */
.conns{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(600px,100%),1fr));gap:12px;margin-bottom:16px}
.conn-card{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--line);border-radius:10px;padding:12px 14px}
.conn-card.conn-blocked,.conn-card.conn-failing{border-left-color:var(--bad)}
.conn-card.conn-paused,.conn-card.conn-rate-limited,.conn-card.conn-edge-backoff,.conn-card.conn-budget-spent,.conn-card.conn-starved{border-left-color:var(--warn)}
.conn-card.conn-running{border-left-color:var(--accent)}
.conn-head{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.conn-head h2{margin:0;font-size:16px}
.conn-state{margin:6px 0 8px;color:var(--muted);font-size:13px}
.c-blocked,.c-failing,.v-spent{background:#fdecea;color:var(--bad)}
.c-paused,.c-rate-limited,.c-edge-backoff,.c-budget-spent,.c-starved,.v-runs-out{background:#fff1dc;color:var(--warn)}
.c-running{background:#e8f0fe;color:#1f57c3}
.c-idle{background:#eef0f3;color:var(--idle)}
.v-lasts-the-day{background:#e3f5ec;color:var(--ok)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px}
/* A phone: one chart under the other. Side by side each was 150 px wide for a 320-unit drawing, its labels 5 px high. */
@media (max-width:700px){.charts{grid-template-columns:1fr}}
.charts figure{margin:0}
.charts figcaption{color:var(--muted);font-size:12px;margin-top:2px}
.charts .none{color:var(--muted);font-size:13px;padding:24px 0}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-size:10px;fill:var(--muted);font-family:inherit}
svg.chart .axis{stroke:#c5cbd5}
svg.chart .grid{stroke:var(--line);stroke-dasharray:2 3}
svg.chart .reserve{fill:#fbe3e0}
svg.chart .limit{stroke:var(--bad);stroke-dasharray:4 3}
svg.chart .spent{fill:none;stroke:var(--accent);stroke-width:2;stroke-linejoin:round}
svg.chart .spent-area{fill:#2f6fed22}
svg.chart .projection{stroke:var(--warn);stroke-width:1.5;stroke-dasharray:2 3}
svg.chart .runs-out{fill:var(--warn)}
svg.chart .now{stroke:#98a2b3;stroke-dasharray:1 2}
svg.chart .bar{fill:var(--accent)}
svg.chart .bar-now{fill:#2f6fed66}
tr.group th{background:#f0f3f8;text-transform:none;font-size:13px;color:var(--ink);letter-spacing:0}
`;

export function layout(
  title: string,
  body: string,
  nonce: string,
  active: 'imports' | 'none' = 'imports',
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · lead-importer</title><style>${STYLE}</style></head>
<body><header><span class="brand">lead-importer</span><nav>
<a href="/"${active === 'imports' ? ' class="active"' : ''}>Imports</a><a href="/queues">Queues</a><a href="/metrics">Metrics</a><a href="/healthz">Health</a>
</nav></header><main>${body}</main>
<script nonce="${esc(nonce)}">${CLIENT_SCRIPT}</script></body></html>`;
}

/** States whose row shows its reason under the badge (the page's script is given the same list). */
const SUB_STATES: readonly ImportStatus['state'][] = [
  'waiting-for-budget',
  'blocked',
  'stalled',
  'waiting-for-reimport',
];
/** The reason under the badge: the state text without the state's own name in front ("blocked: …", "stalled: …"). */
const subText = (s: Pick<ImportStatus, 'state' | 'stateText'>) =>
  s.stateText.startsWith(`${s.state}: `) ? s.stateText.slice(s.state.length + 2) : s.stateText;

const STATE_LABEL: Record<ImportStatus['state'], string> = {
  reading: 'reading',
  running: 'running',
  stalled: 'stalled',
  'waiting-for-budget': 'waiting for budget',
  blocked: 'blocked',
  paused: 'paused',
  'waiting-for-reimport': 'waiting for re-run',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
};

function stripHtml(o: Overview): string {
  const tiles: [string, string, string][] = [
    ['workers', 'Workers online', formatCount(o.workers)],
    ['queued', 'Queued rows', formatCount(o.rows.queued)],
    ['active', 'In flight', formatCount(o.rows.active)],
    ['dlq', 'Dead-letter queue', formatCount(Object.values(o.queues.deadLetter).reduce((a, b) => a + b, 0))],
    [
      'budget',
      'Budget left today',
      o.budget ? `${formatCount(o.budget.left)} / ${formatCount(o.budget.limit)}` : '—',
    ],
  ];
  return `<div class="strip">${tiles
    .map(
      ([id, k, v]) =>
        `<div class="tile"><div class="k">${esc(k)}</div><div class="v" data-tile="${id}">${esc(v)}</div></div>`,
    )
    .join('')}</div>${jobsNoteHtml(o.rowsPerJob)}`;
}

/** Said where bull-board's job counts would read as rows: with several rows per job they are not. */
function jobsNoteHtml(rowsPerJob: number): string {
  return `<p class="sub" id="jobs-note"${rowsPerJob > 1 ? '' : ' hidden'}>Tiles count rows. <a href="/queues">Queues</a> (bull-board) counts BullMQ jobs, which hold up to <span data-tile="rowsPerJob">${esc(rowsPerJob)}</span> rows each.</p>`;
}

function noticeHtml(notice: string | null): string {
  const bad = notice?.startsWith('Blocked') ? ' bad' : '';
  return `<div class="notice${bad}" id="notice"${notice ? '' : ' hidden'}>${esc(notice ?? '')}</div>`;
}

export function importRowHtml(s: ImportStatus): string {
  const pct = Math.floor(s.progress * 100);
  const stateTitle = s.stateText !== STATE_LABEL[s.state] ? ` title="${esc(s.stateText)}"` : '';
  return `<tr data-import="${esc(s.importId)}">
<td><a href="/imports/${encodeURIComponent(s.importId)}">${esc(s.fileName || s.importId)}</a><div class="sub">${esc(s.importId)}${s.priority === 1 ? '' : ` · priority ${esc(s.priority)}`}</div></td>
<td><span class="badge s-${esc(s.state)}"${stateTitle}>${esc(STATE_LABEL[s.state])}</span>${SUB_STATES.includes(s.state) ? `<div class="sub">${esc(subText(s))}</div>` : ''}</td>
<td><div class="progress ${s.state === 'completed' ? 's-completed-bar' : ''}"><span style="width:${esc(pct)}%"></span></div><div class="pct">${esc(pct)}%</div></td>
<td class="n">${esc(formatCount(s.rows))}</td><td class="n">${esc(formatCount(s.created))}</td><td class="n">${esc(formatCount(s.reusedContacts))}</td>
<td class="n">${esc(formatCount(s.rejected))}</td><td class="n${s.deadLettered ? ' bad' : ''}">${esc(formatCount(s.deadLettered))}</td>
<td class="n">${esc(formatCount(s.pending))}</td><td class="n">${esc(formatCount(s.tokensUsed))}</td>
<td class="n">${esc(s.etaText ?? '—')}</td></tr>`;
}

/** Columns of the imports table ({@link tableHead}). */
const IMPORT_COLUMNS = 11;

/**
 * The imports table's columns. No column for the connection: with several, the imports are grouped under a heading
 * row per connection, and a page of one connection's imports names it in its title (a column repeating it made the
 * table scroll sideways at 1,360 px, its ETA out of sight).
 */
function tableHead(): string {
  return `<thead><tr><th>File</th><th>State</th><th>Progress</th><th class="n">Rows</th><th class="n">Created</th>
<th class="n">Reused contacts</th><th class="n">Rejected</th><th class="n">Dead-lettered</th><th class="n">Pending</th>
<th class="n">Tokens</th><th class="n">ETA</th></tr></thead>`;
}

/** Links to the page of each connection's imports (`/?connection=NAME`), and to all of them. */
function connectionFilterHtml(o: Overview): string {
  if (!o.showConnections) return '';
  const link = (name: string | null, text: string) => {
    const href = name === null ? '/' : `/?connection=${encodeURIComponent(name)}`;
    return o.connection === name
      ? `<a href="${esc(href)}" class="active" aria-current="page">${esc(text)}</a>`
      : `<a href="${esc(href)}">${esc(text)}</a>`;
  };
  return `<nav class="filters" aria-label="Connections">Connection: ${[
    link(null, 'all'),
    ...o.connections.map((c) => link(c, c)),
  ].join(' ')}</nav>`;
}

const CONNECTION_STATE_LABEL: Record<ConnectionState, string> = {
  blocked: 'blocked',
  paused: 'paused',
  'rate-limited': 'rate-limited (429)',
  'edge-backoff': 'edge back-off (403)',
  failing: 'failing (5xx, no answer)',
  'budget-spent': 'budget spent',
  starved: 'starved',
  running: 'running',
  idle: 'idle',
};

const VERDICT_LABEL = { spent: 'budget spent', 'lasts-the-day': 'budget lasts the day' } as const;

/**
 * One card per connection: its state in words, today's budget burn-down and its leads per minute over the last
 * hour. What `/fragments/connections` serves, and what the page refreshes itself with.
 */
export function connectionCardsHtml(
  activity: readonly ConnectionActivity[],
  now: number,
  named: boolean,
): string {
  return activity
    .map((a) => {
      const name = esc(a.connection);
      const b = a.budget;
      // Blocked, paused or starved, nothing is sent: its budget "lasts the day" only because nothing spends it, and
      // the card's state badge already says why. A spent budget is still said (it holds the rows back too), once:
      // the state `budget-spent` says it already.
      const verdict =
        b &&
        a.state !== 'budget-spent' &&
        !(HELD_STATES.includes(a.state) && b.projection.verdict !== 'spent')
          ? `<span class="badge v-${esc(b.projection.verdict)}" data-verdict="${esc(b.projection.verdict)}">${esc(
              b.projection.verdict === 'runs-out'
                ? b.projection.text.replace(/ at .*$/, '')
                : VERDICT_LABEL[b.projection.verdict],
            )}</span>`
          : '';
      const burn = b
        ? `${burnDownSvg(`c-${a.connection}-burn`, a.connection, b, now)}<figcaption>${esc(burnDownText(b))}</figcaption>`
        : `<div class="none">${
            // Blocked before its first call succeeded: a worker tried, and the credentials were refused.
            a.state === 'blocked'
              ? `No budget yet: Pipedrive has refused ${name}’s credentials since the worker started.`
              : `No budget yet: no worker has served ${name} today.`
          }</div>`;
      const heading = named
        ? `<a href="/?connection=${encodeURIComponent(a.connection)}">${name}</a>`
        : 'Today';
      return `<article class="conn-card conn-${esc(a.state)}" data-connection="${name}" aria-label="Connection ${name}">
<div class="conn-head"><h2>${heading}</h2><span class="badge c-${esc(a.state)}" data-state="${esc(a.state)}">${esc(CONNECTION_STATE_LABEL[a.state])}</span>${verdict}</div>
<p class="conn-state" data-field="connectionState">${esc(a.stateText)} · ${esc(formatCount(a.queued))} queued, ${esc(formatCount(a.active))} in flight</p>
<div class="charts"><figure>${burn}</figure>
<figure>${leadsPerMinuteSvg(`c-${a.connection}-leads`, a.connection, a.leadsPerMinute)}<figcaption>${esc(leadsPerMinuteText(a.leadsPerMinute))}</figcaption></figure></div>
</article>`;
    })
    .join('\n');
}

/**
 * The imports in the connections' order (newest first within each), and a heading row before each connection's,
 * when the page shows several connections' imports.
 */
function groupedRows(o: Overview): string {
  if (!o.showConnections || o.connection !== null) return o.imports.map((s) => importRowHtml(s)).join('');
  const rank = (c: string) => {
    const i = o.connections.indexOf(c);
    return i === -1 ? o.connections.length : i;
  };
  const sorted = o.imports
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s.connection) - rank(b.s.connection) || a.i - b.i)
    .map(({ s }) => s);
  let last: string | null = null;
  return sorted
    .map((s) => {
      const head =
        s.connection === last
          ? ''
          : `<tr class="group" data-group="${esc(s.connection)}"><th colspan="${IMPORT_COLUMNS}"><a href="/?connection=${encodeURIComponent(s.connection)}">${esc(s.connection)}</a></th></tr>`;
      last = s.connection;
      return head + importRowHtml(s);
    })
    .join('');
}

export function renderImportsPage(
  o: Overview,
  nonce: string,
  activity: readonly ConnectionActivity[] = [],
): string {
  const showConnection = o.showConnections;
  const empty =
    o.connection === null
      ? 'No imports yet. Start one with <code>lead-importer import FILE</code>.'
      : `No imports into ${esc(o.connection)} yet. Start one with <code>lead-importer import FILE --connection ${esc(o.connection)}</code>.`;
  const emptyRow = `<tr><td colspan="${IMPORT_COLUMNS}" class="empty">${empty}</td></tr>`;
  // The empty row is also kept in a <template>: the page's script shows it when the last import goes (aged out,
  // deleted), in the server's words.
  const rows = o.imports.length ? groupedRows(o) : emptyRow;
  const query = o.connection === null ? '' : `?connection=${encodeURIComponent(o.connection)}`;
  const poll = `/api/imports${query}${o.from > 0 ? `${query ? '&' : '?'}from=${o.from}` : ''}`;
  // A connection's imports are looked for among the newest of all: older ones are a link away.
  const older =
    o.olderFrom === null || o.connection === null
      ? ''
      : `\n<p class="sub" id="older">Only the newest imports of every connection were looked through for ${esc(o.connection)}: <a href="/?connection=${encodeURIComponent(o.connection)}&amp;from=${o.olderFrom}">show older</a></p>`;
  const cards = activity.length
    ? `<section class="conns" id="connections" data-refresh="${esc(`/fragments/connections${query}`)}" aria-label="Connections">${connectionCardsHtml(activity, o.generatedAt, showConnection)}</section>`
    : '';
  return layout(
    o.connection === null ? 'Imports' : `Imports · ${o.connection}`,
    `<h1>Imports${o.connection === null ? '' : ` <span class="sub">into ${esc(o.connection)}</span>`}</h1>${connectionFilterHtml(o)}${noticeHtml(o.notice)}${stripHtml(o)}
${cards}
<div class="card"><table id="imports" data-poll="${esc(poll)}"${showConnection ? ' data-connections="1"' : ''}>${tableHead()}<tbody>${rows}</tbody></table></div>
<template id="imports-empty">${emptyRow}</template>${older}
<footer>Refreshes every 2 s (charts every 10 s) · Budget runs out at the rate of the last 15 min · ETA is the earliest the plan's burst limit and today's budget allow · <span id="updated">updated ${esc(new Date(o.generatedAt).toISOString().slice(11, 19))} UTC</span></footer>`,
    nonce,
  );
}

/**
 * The last `lead-importer verify`: what it found in Pipedrive against the ledger. Escaped like everything else:
 * it is JSON in Redis that anyone with access may have edited.
 */
export function verificationHtml(importId: string, v: LastVerification | null): string {
  const command = `lead-importer verify ${importId}`;
  if (!v) {
    return `<div class="card"><div class="empty" id="verification">Not verified yet. Compare it with what Pipedrive holds: <code>${esc(command)}</code></div></div>`;
  }
  const found = v.missing + v.unrecorded + v.duplicates + v.duplicateNotes;
  const kv: [string, number, boolean][] = [
    ['Leads checked', v.leadsChecked, false],
    ['Missing', v.missing, v.missing > 0],
    ['Unrecorded', v.unrecorded, v.unrecorded > 0],
    ['Duplicate leads', v.duplicates, v.duplicates > 0],
    ['Duplicate notes', v.duplicateNotes, v.duplicateNotes > 0],
    ['Repaired', v.repaired, false],
    ['Tokens spent', v.tokensUsed, false],
  ];
  const verdict =
    found === 0
      ? 'Pipedrive held exactly what the ledger records.'
      : v.repaired > 0
        ? `Found ${formatCount(found)} and repaired ${formatCount(v.repaired)}; verify again to confirm.`
        : `Found ${formatCount(found)}: see \`${command} --repair\`.`;
  return `<div class="card" id="verification"><dl class="kv">${kv
    .map(
      ([label, value, bad]) =>
        `<div><dt>${esc(label)}</dt><dd${bad ? ' class="bad"' : ''}>${esc(formatCount(value))}</dd></div>`,
    )
    .join('')}</dl></div>
<footer>Verified ${esc(safeUtc(v.at))} by ${esc(v.strategy)}${v.complete ? '' : ' (not every kind of lead was looked for)'} · ${esc(verdict)}</footer>`;
}

export function renderImportDetail(d: ImportDetail, nonce: string, actionsEnabled: boolean): string {
  const s = d.status;
  const kv: [string, string, string][] = [
    ['priority', 'Priority', formatCount(s.priority)],
    ['rows', 'Rows', formatCount(s.rows)],
    ['created', 'Created', formatCount(s.created)],
    ['rejected', 'Rejected', formatCount(s.rejected)],
    ['deadLettered', 'Dead-lettered', formatCount(s.deadLettered)],
    ['cancelled', 'Cancelled', formatCount(s.cancelled)],
    ['pending', 'Pending', formatCount(s.pending)],
    ['createdPersons', 'Persons created', formatCount(s.createdPersons)],
    ['reusedPersons', 'Persons reused', formatCount(s.reusedPersons)],
    ['createdOrganizations', 'Organizations created', formatCount(s.createdOrganizations)],
    ['reusedOrganizations', 'Organizations reused', formatCount(s.reusedOrganizations)],
    ['createdNotes', 'Notes', formatCount(s.createdNotes)],
    ['tokensUsed', 'Tokens spent', formatCount(s.tokensUsed)],
    ['eta', 'ETA', s.etaText ?? '—'],
  ];
  const dlRows = d.deadLetters.length
    ? d.deadLetters
        .map(
          // Every field is escaped: a DLQ entry is data in Redis, and none of its fields is known to be a number.
          (
            e,
          ) => `<tr><td class="n">${esc(e.line)}</td><td>${esc(e.errorClass)}</td><td class="n">${esc(e.httpStatus)}</td>
<td>${esc(e.message)}</td><td class="n">${esc(e.attempts)}</td><td class="n">${esc(safeUtc(e.lastAttemptAt))}</td></tr>`,
        )
        .join('')
    : '<tr><td colspan="6" class="empty">No dead-lettered rows.</td></tr>';
  const id = esc(s.importId);
  // Only what can do something: Retry while the dead-letter queue holds rows of the import (a finished import's
  // too: that is when they are retried), Cancel until the import has finished (nothing is left to cancel then).
  const buttons = [
    d.deadLetters.length > 0
      ? `<button data-action="/api/imports/${encodeURIComponent(s.importId)}/dlq/retry" data-role="retry">Retry dead-lettered rows</button>`
      : '',
    hasFinished(s)
      ? ''
      : `<button data-action="/api/imports/${encodeURIComponent(s.importId)}/cancel" data-role="cancel" data-confirm="Cancel every unprocessed row of this import?">Cancel import</button>`,
  ].filter(Boolean);
  const actions =
    actionsEnabled && buttons.length > 0 ? `<div class="actions">${buttons.join('\n')}</div>` : '';
  return layout(
    s.fileName || s.importId,
    `<h1>${esc(s.fileName || s.importId)} <span class="badge s-${esc(s.state)}" data-field="state">${esc(STATE_LABEL[s.state])}</span></h1>${
      d.showConnections
        ? `\n<p class="sub">Connection <a href="/?connection=${encodeURIComponent(s.connection)}">${esc(s.connection)}</a></p>`
        : ''
    }
<p class="sub" data-field="stateText">${s.stateText === STATE_LABEL[s.state] ? '' : esc(s.stateText)}</p>${actions}
<div class="card" id="detail" data-poll="/api/imports/${encodeURIComponent(s.importId)}"><dl class="kv">${kv
      .map(([k, label, v]) => `<div><dt>${esc(label)}</dt><dd data-field="${k}">${esc(v)}</dd></div>`)
      .join('')}</dl></div>
<h2>Last verification against Pipedrive</h2>
${verificationHtml(s.importId, d.verification)}
<h2>Dead-lettered rows</h2>
<div class="card"><table><thead><tr><th class="n">Line</th><th>Error</th><th class="n">HTTP</th><th>Message</th><th class="n">Attempts</th><th class="n">Last attempt</th></tr></thead>
<tbody>${dlRows}</tbody></table></div>
<footer>${d.moreDeadLetters ? `${esc(formatCount(d.moreDeadLetters))} more not shown. ` : ''}Fix and re-import them: <code>lead-importer dlq export --import ${id} --out failed.csv</code> · retry transient failures: <code>lead-importer dlq retry --import ${id}</code></footer>${mappingHtml(d.mapping)}`,
    nonce,
  );
}

/** How the file's columns were read: what the dry run showed, kept with the import. Escaped: it is the file's text. */
function mappingHtml(m: ImportDetail['mapping']): string {
  if (!m) return '';
  const rows = m.columns
    .map(
      (c) =>
        `<tr><td>${esc(describedColumn(c, (t) => t))}</td><td><code>${esc(c.field)}</code></td><td class="sub">${esc(c.reason)}</td></tr>`,
    )
    .join('');
  const left = m.notImported
    .map(
      (c) =>
        `<tr><td>${esc(describedColumn(c, (t) => t))}</td><td class="sub" colspan="2">${esc(c.reason)}</td></tr>`,
    )
    .join('');
  return `<h2>Columns${m.system ? ` <span class="sub">${esc(m.system)}</span>` : ''}</h2>
<div class="card"><table><thead><tr><th>Column</th><th>Pipedrive field</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table></div>${
    left
      ? `<h2>Not imported</h2><div class="card"><table><thead><tr><th>Column</th><th colspan="2">Why</th></tr></thead><tbody>${left}</tbody></table></div>`
      : ''
  }`;
}

/**
 * The browser side: polls the JSON endpoint every 2 s and redraws with DOM calls and
 * textContent only (no innerHTML with data), so a hostile file name stays text.
 */
const CLIENT_SCRIPT = `(() => {
const fmt = (n) => Math.round(n).toLocaleString('en-US');
// The ETA as the server words it (etaText, from formatDuration): the first paint and every poll say the same.
const eta = (s) => s.etaText ?? '—';
const LABEL = ${JSON.stringify(STATE_LABEL)};
const SUB_STATES = ${JSON.stringify(SUB_STATES)};
// As the server's subText: the reason without the state's name in front.
const subText = (s) => s.stateText.startsWith(s.state + ': ') ? s.stateText.slice(s.state.length + 2) : s.stateText;
const WITH_CONNECTION = document.getElementById('imports')?.dataset.connections === '1';
const el = (tag, attrs, ...kids) => { const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, v);
  for (const c of kids) e.append(c); return e; };
const badge = (s) => { const b = el('span', { class: 'badge s-' + s.state }, LABEL[s.state] || s.state);
  if (s.stateText !== (LABEL[s.state] || s.state)) b.title = s.stateText; return b; };
function row(s) {
  const pct = Math.floor(s.progress * 100);
  const bar = el('div', { class: 'progress' + (s.state === 'completed' ? ' s-completed-bar' : '') }, el('span'));
  bar.firstChild.style.width = pct + '%';
  const stateCell = el('td', null, badge(s));
  if (SUB_STATES.includes(s.state)) stateCell.append(el('div', { class: 'sub' }, subText(s)));
  const n = (v, extra) => el('td', { class: 'n' + (extra || '') }, v);
  return el('tr', { 'data-import': s.importId },
    el('td', null, el('a', { href: '/imports/' + encodeURIComponent(s.importId) }, s.fileName || s.importId), el('div', { class: 'sub' }, s.importId + (s.priority === 1 ? '' : ' · priority ' + s.priority))),
    stateCell, el('td', null, bar, el('div', { class: 'pct' }, pct + '%')),
    n(fmt(s.rows)), n(fmt(s.created)), n(fmt(s.reusedContacts)), n(fmt(s.rejected)),
    n(fmt(s.deadLettered), s.deadLettered ? ' bad' : ''), n(fmt(s.pending)), n(fmt(s.tokensUsed)), n(eta(s)));
}
function patchRow(tr, s) {
  // Keep the progress bar element so its width animates instead of jumping.
  const fresh = row(s); const oldBar = tr.querySelector('.progress > span'); const newBar = fresh.querySelector('.progress > span');
  if (oldBar) { oldBar.style.width = newBar.style.width; newBar.replaceWith(oldBar); }
  tr.replaceWith(fresh);
}
// The imports' rows, patched in place where the row is already there (its progress bar animates).
function drawRows(body, data) {
  const seen = new Map([...body.rows].map((r) => [r.dataset.import, r]));
  // Several connections' imports: in the connections' order, each connection's under a heading row.
  const grouped = WITH_CONNECTION && data.connection == null;
  const rank = (c) => { const i = data.connections.indexOf(c); return i === -1 ? data.connections.length : i; };
  const imports = grouped ? data.imports.map((s, i) => [s, i]).sort((a, b) => rank(a[0].connection) - rank(b[0].connection) || a[1] - b[1]).map((p) => p[0]) : data.imports;
  const rows = []; let last = null;
  for (const s of imports) {
    if (grouped && s.connection !== last) {
      rows.push(el('tr', { class: 'group', 'data-group': s.connection }, el('th', { colspan: '${IMPORT_COLUMNS}' }, el('a', { href: '/?connection=' + encodeURIComponent(s.connection) }, s.connection))));
      last = s.connection;
    }
    const tr = seen.get(s.importId);
    if (tr) { patchRow(tr, s); rows.push(body.querySelector('tr[data-import="' + CSS.escape(s.importId) + '"]')); } else rows.push(row(s));
  }
  body.replaceChildren(...rows);
}
function drawEmpty(body) {
  if (body.rows.length === 1 && body.querySelector('td.empty')) return;
  const empty = document.getElementById('imports-empty');
  body.replaceChildren(...(empty ? [empty.content.cloneNode(true)] : []));
}
async function poll(target) {
  const res = await fetch(target.dataset.poll, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error('HTTP ' + res.status);
  const data = await res.json();
  if (target.id === 'imports') {
    // No imports (none yet, or the last one aged out or was deleted): the server's 'No imports yet' row, from its
    // <template>, in place of any rows shown before.
    if (data.imports.length > 0) drawRows(target.tBodies[0], data); else drawEmpty(target.tBodies[0]);
    const notice = document.getElementById('notice'); notice.textContent = data.notice || ''; notice.hidden = !data.notice;
    notice.classList.toggle('bad', !!data.notice && data.notice.startsWith('Blocked'));
    const tiles = { workers: fmt(data.workers), queued: fmt(data.rows.queued), active: fmt(data.rows.active), rowsPerJob: String(data.rowsPerJob),
      dlq: fmt(Object.values(data.queues.deadLetter).reduce((a, b) => a + b, 0)),
      budget: data.budget ? fmt(data.budget.left) + ' / ' + fmt(data.budget.limit) : '—' };
    for (const [k, v] of Object.entries(tiles)) { const t = document.querySelector('[data-tile="' + k + '"]'); if (t) t.textContent = v; }
    const jobsNote = document.getElementById('jobs-note'); if (jobsNote) jobsNote.hidden = !(data.rowsPerJob > 1);
    document.getElementById('updated').textContent = 'updated ' + new Date(data.generatedAt).toISOString().slice(11, 19) + ' UTC';
  } else {
    // As the server's hasFinished: once the import has finished, nothing is left to cancel.
    if (['completed', 'cancelled', 'failed'].includes(data.state) && data.pending === 0) document.querySelector('button[data-role="cancel"]')?.remove();
    for (const f of document.querySelectorAll('[data-field]')) {
      const k = f.dataset.field;
      if (k === 'state') { f.className = 'badge s-' + data.state; f.textContent = LABEL[data.state] || data.state; }
      else if (k === 'stateText') f.textContent = data.stateText === (LABEL[data.state] || data.state) ? '' : data.stateText;
      else if (k === 'eta') f.textContent = eta(data);
      else if (k in data) f.textContent = fmt(data[k]);
    }
  }
}
// The connections' cards (state, budget burn-down, leads per minute): SVG written on the server, escaped there as
// on the first load; parsed as inert markup (DOMParser runs no script) and swapped in.
const cards = document.getElementById('connections');
if (cards) {
  const refresh = async () => {
    const res = await fetch(cards.dataset.refresh, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    cards.replaceChildren(...[...doc.body.children].map((n) => document.adoptNode(n)));
  };
  const tick = () => refresh().catch(() => {}).finally(() => setTimeout(tick, 10000));
  setTimeout(tick, 10000);
}
for (const target of document.querySelectorAll('[data-poll]')) {
  const tick = () => poll(target).catch(() => {}).finally(() => setTimeout(tick, 2000));
  setTimeout(tick, 2000);
}
for (const b of document.querySelectorAll('button[data-action]')) {
  b.addEventListener('click', async () => {
    if (b.dataset.confirm && !confirm(b.dataset.confirm)) return;
    b.disabled = true;
    const res = await fetch(b.dataset.action, { method: 'POST', credentials: 'same-origin', headers: { 'x-lead-importer': '1' } });
    const body = await res.json().catch(() => ({}));
    alert(res.ok ? body.message : 'Failed: ' + (body.error || res.status));
    location.reload();
  });
}
})();`;
