import { createHash } from 'node:crypto';
import type { Outage } from '../../history/history.js';
import type { StatusDocument } from '../../history/status.js';
import type { ProxyVerdict } from '../../model/verdict.js';
import { duration, NONE, percent, plural } from '../format.js';
import { legendSwatch, proxyChart } from './chart.js';
import { icon, ICON_SYMBOLS, type IconName } from './icons.js';
import { STATUS_PAGE_CSS } from './style.js';
import { pageHref, pageText, pageUrl, RELATIVE_SCRIPT, timeAgo, utc, utcShort } from './text.js';
import { OUTAGES_LISTED, pageView, type PageView, type ProxyView } from './view.js';

/**
 * The status page: one self-contained HTML document built from a status
 * document and the runs it carries (pure: document in, string out). Its
 * Content-Security-Policy allows only its own stylesheet and script by hash
 * and no source at all, so viewing it requests nothing from anywhere, from
 * file://, GitHub Pages or GitLab Pages alike.
 */
export const STATUS_PAGE_FILE = 'status.html';

const VERDICT: Record<string, { cls: 'ok' | 'warn' | 'bad'; icon: IconName; word: string }> = {
  healthy: { cls: 'ok', icon: 'ok', word: 'Healthy' },
  degraded: { cls: 'warn', icon: 'warn', word: 'Degraded' },
  failed: { cls: 'bad', icon: 'bad', word: 'Failed' },
};

const STATE: Record<ProxyVerdict, { cls: 'up' | 'warn' | 'down'; icon: IconName; word: string }> = {
  healthy: { cls: 'up', icon: 'ok', word: 'healthy' },
  slow: { cls: 'warn', icon: 'warn', word: 'slow' },
  stale: { cls: 'warn', icon: 'warn', word: 'outdated' },
  broken: { cls: 'down', icon: 'bad', word: 'broken' },
  down: { cls: 'down', icon: 'bad', word: 'down' },
};

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export function renderStatusPage(doc: StatusDocument): string {
  const view = pageView(doc);
  const verdict = VERDICT[doc.verdict] ?? { cls: 'warn', icon: 'warn', word: doc.verdict };
  const csp = `default-src 'none'; style-src ${hash(STATUS_PAGE_CSS)}; script-src ${hash(RELATIVE_SCRIPT)}; base-uri 'none'; form-action 'none'`;
  const where = [doc.repository, doc.workflow].filter((x): x is string => !!x);
  const stale = view.staleAfterMs === undefined ? '' : ` data-stale-after="${view.staleAfterMs}"`;
  return [
    '<!doctype html>',
    `<html lang="en" data-generated="${pageText(doc.generatedAt)}"${stale}>`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${pageText(`${verdict.word}: Go module proxies${where[0] ? ` of ${where[0]}` : ''}`)}</title>`,
    `<style>${STATUS_PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    ICON_SYMBOLS,
    '<main>',
    verdictBlock(view, verdict, where),
    banners(view),
    figures(view),
    proxiesSection(view),
    chartsSection(view),
    outagesSection(view),
    footer(view),
    '</main>',
    `<script>${RELATIVE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function verdictBlock(view: PageView, verdict: (typeof VERDICT)[string] & object, where: string[]): string {
  const { doc, now } = view;
  const since = doc.verdictSince ? Date.parse(doc.verdictSince) : NaN;
  const oldest = view.firstRunAt !== undefined && since === view.firstRunAt && doc.historyRuns > 1 ? ' (the oldest kept run)' : '';
  const sinceLine = Number.isNaN(since) ? '' : `<p>${pageText(verdict.word, 40)} since ${utc(since)}${oldest}, ${timeAgo(since, now)}.</p>`;
  return [
    `<header class="verdict v-${verdict.cls}">`,
    `<p class="eyebrow">Go module proxies${where.length ? ` · ${where.map((w) => pageText(w, 120)).join(' · ')}` : ''}</p>`,
    `<h1>${icon(verdict.icon)}<span>${pageText(verdict.word, 40)}</span></h1>`,
    sinceLine,
    doc.reason ? `<p>${pageText(doc.reason, 400)}</p>` : '',
    '</header>',
  ].join('\n');
}

function banner(kind: 'warn' | 'bad', name: IconName, title: string, text: string, attrs = ''): string {
  return `<div class="banner b-${kind}"${attrs}>${icon(name)}<div><strong>${title}</strong><p>${text}</p></div></div>`;
}

/** What must not be missed: a stale page (shown by the script), an override, a silenced alert. */
function banners(view: PageView): string {
  const { doc } = view;
  const out: string[] = [];
  if (view.staleAfterMs !== undefined)
    out.push(
      banner(
        'warn',
        'clock',
        'This page is stale',
        'It was generated <span data-age></span> ago, longer than three usual intervals between checks: the scheduled health check may have stopped (GitHub pauses schedules in repositories without activity for 60 days).',
        ' id="stale" hidden',
      ),
    );
  if (doc.override) out.push(banner('bad', 'warn', 'Override in force', pageText(doc.override, 400)));
  if (doc.silenced)
    out.push(
      banner(
        'warn',
        'mute',
        'Alerts silenced',
        `The newest run's alert was held back (${pageText(doc.silenced, 300)}); the verdict is unchanged.`,
      ),
    );
  return out.join('\n');
}

function figure(label: string, value: string, note = ''): string {
  return `<div class="figure"><dt>${label}</dt><dd>${value}${note ? ` <small>${note}</small>` : ''}</dd></div>`;
}

function figures(view: PageView): string {
  const { doc, now } = view;
  const probed = doc.proxies.length;
  const healthy = doc.proxies.filter((p) => p.verdict === 'healthy').length;
  const last = view.lastFailure;
  // An outage still going is not a "last failure, just now": say that it is failing now, and for how long.
  const ongoing = view.outages.filter((o) => o.end === undefined);
  const longest = ongoing.sort((a, b) => b.durationMs - a.durationMs)[0];
  const others = ongoing.length > 1 ? ` and ${plural(ongoing.length - 1, 'other proxy', 'other proxies')}` : '';
  const lastFailure = longest
    ? figure(
        'Last failure',
        'failing now',
        `<span class="url">${pageUrl(longest.url)}</span> for ${pageText(duration(longest.durationMs))}${others}`,
      )
    : figure(
        'Last failure',
        last ? timeAgo(last.at, now) : 'none',
        last ? `<span class="url">${pageUrl(last.url)}</span>` : 'in the kept runs',
      );
  return [
    '<dl class="figures">',
    figure('Healthy proxies now', `${healthy} of ${probed}`),
    lastFailure,
    figure(
      'MTTR',
      view.mttrMs === undefined ? NONE : pageText(duration(view.mttrMs)),
      view.mttrMs === undefined ? 'no outage has ended yet' : `mean of ${plural(view.repaired, 'repaired outage')}`,
    ),
    figure(
      'Kept runs',
      String(doc.historyRuns),
      view.firstRunAt === undefined ? 'no run history in this document' : `since ${utc(view.firstRunAt)}`,
    ),
    '</dl>',
  ].join('\n');
}

function stateCell(p: ProxyView): string {
  if (!p.now) return '<span class="state muted">not probed</span>';
  const s = STATE[p.now.verdict as ProxyVerdict] ?? STATE.down;
  return `<span class="state s-${s.cls}">${icon(s.icon)}${s.word}</span>`;
}

function partsCell(p: ProxyView): string {
  const now = p.now;
  if (!now) return NONE;
  const parts = now.parts;
  const meter = (v: number) =>
    `<svg viewBox="0 0 48 6" aria-hidden="true"><rect class="meter-bg" width="48" height="6" rx="3"/><rect class="meter" width="${Math.round(48 * Math.min(1, Math.max(0, v)))}" height="6" rx="3"/></svg>`;
  const rows = parts
    ? (
        [
          ['success', parts.success],
          ['latency', parts.latency],
          ['certificate', parts.cert],
        ] as const
      )
        .map(([name, v]) => `<span>${name}</span>${meter(v)}<span>${v.toFixed(2)}</span>`)
        .join('')
    : '';
  return `<span class="score">${now.score.toFixed(2)}</span>${rows ? `<div class="parts">${rows}</div>` : ''}`;
}

/** A table row that becomes a labelled card on a phone: each cell's content is one box beside its label. */
function row(cells: string[][], numericFrom = Infinity): string {
  const td = ([label, html]: string[], i: number) =>
    `<td data-label="${label}"${i >= numericFrom ? ' class="num"' : ''}><div>${html}</div></td>`;
  return `<tr>${cells.map(td).join('')}</tr>`;
}

function proxyRow(p: ProxyView, now: number): string {
  const runs = p.runs.length;
  const problem = p.now?.problem ? `<div class="muted">${pageText(p.now.problem, 200)}</div>` : '';
  const cells = [
    ['State', stateCell(p)],
    ['Proxy', `<span class="url">${pageUrl(p.url)}</span>${problem}`],
    ['Score', partsCell(p)],
    ['Healthy runs', runs ? `${percent(p.healthyRuns / runs)} <span class="muted">(${p.healthyRuns} of ${runs})</span>` : NONE],
    ['Outages', String(p.outages.length)],
    ['MTTR', p.mttrMs === undefined ? NONE : pageText(duration(p.mttrMs))],
    [
      'Last failure',
      p.outages.some((o) => o.end === undefined)
        ? '<strong>failing now</strong>'
        : p.lastFailureAt === undefined
          ? 'none'
          : timeAgo(p.lastFailureAt, now),
    ],
  ];
  return row(cells, 3);
}

function proxiesSection(view: PageView): string {
  const head = ['State', 'Proxy', 'Score and its parts', 'Healthy runs', 'Outages', 'MTTR', 'Last failure'];
  return [
    '<section id="proxies">',
    '<h2>Proxies now</h2>',
    '<p class="muted">In the order the newest run ranked them, best first. The score (0 to 1) is made of the success rate, the latency and the certificate\'s remaining life.</p>',
    '<table class="cards">',
    `<thead><tr>${head.map((h, i) => `<th${i >= 3 ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead>`,
    `<tbody>${view.proxies.map((p) => proxyRow(p, view.now)).join('\n')}</tbody>`,
    '</table>',
    '</section>',
  ].join('\n');
}

function proxyFigure(p: ProxyView, view: PageView): string {
  const runs = p.runs;
  const first = runs[0];
  const last = runs[runs.length - 1];
  const share = runs.length ? `${percent(p.healthyRuns / runs.length)} of ${plural(runs.length, 'run')} healthy` : 'no runs';
  const latency = p.medianLatencyMs === undefined ? 'no latency measured' : `median latency ${Math.round(p.medianLatencyMs)} ms`;
  const scale = `latency scale 0–${view.latencyCapMs} ms`;
  const label = `${p.url}: ${share}, ${plural(p.outages.length, 'outage')}, ${latency}`;
  return [
    '<figure class="proxy-chart">',
    `<figcaption>${stateCell(p)}<span class="url">${pageUrl(p.url)}</span><span class="muted">${share} · ${latency} (${scale})</span></figcaption>`,
    proxyChart(runs, { label, latencyCapMs: view.latencyCapMs }),
    `<div class="axis"><span>${first ? utcShort(first.at) : ''}</span><span>${last ? `${utcShort(last.at)} UTC` : ''}</span></div>`,
    '</figure>',
  ].join('\n');
}

function chartsSection(view: PageView): string {
  if (!view.doc.runs) {
    return '<section id="charts"><h2>Over the kept runs</h2><p class="muted">This status document carries no run history (an older go-proxy-guard wrote it): the charts and the outages need the kept runs.</p></section>';
  }
  const legend = [
    ['up', 'healthy (bar up)'],
    ['warn', 'slow or outdated (half bar)'],
    ['down', 'down or broken (bar down, shaded)'],
    ['latency', 'median latency (line; gaps: no answer)'],
  ] as const;
  return [
    '<section id="charts">',
    '<h2>Over the kept runs</h2>',
    '<p class="muted">One slot per run, oldest on the left, newest on the right; a faint line where a UTC day begins.</p>',
    `<ul class="legend">${legend.map(([k, text]) => `<li>${legendSwatch(k)}${text}</li>`).join('')}</ul>`,
    ...view.proxies.map((p) => proxyFigure(p, view)),
    '</section>',
  ].join('\n');
}

function outageRow(o: Outage, now: number): string {
  const start = Date.parse(o.start);
  const notes = [o.override ? 'override in force' : '', o.silenced ? pageText(o.silenced, 160) : ''].filter(Boolean).join('; ');
  const s = STATE[o.verdict] ?? STATE.down;
  const cells = [
    ['Proxy', `<span class="url">${pageUrl(o.url)}</span>`],
    ['Started', `${utc(start)}<div class="muted">${timeAgo(start, now)}</div>`],
    ['Ended', o.end === undefined ? `<span class="ongoing">${icon('bad')} ongoing</span>` : utc(Date.parse(o.end))],
    ['Duration', `${pageText(duration(o.durationMs))}${o.end === undefined ? ' so far' : ''}`],
    ['Runs', `${o.runs} <span class="state s-${s.cls}">${icon(s.icon)}${s.word}</span>`],
    ['Notes', notes || NONE],
  ];
  return row(cells);
}

function outagesSection(view: PageView): string {
  if (!view.doc.runs) return '';
  const listed = view.outages.slice(0, OUTAGES_LISTED);
  const older = view.outages.length - listed.length;
  const head = ['Proxy', 'Started', 'Ended', 'Duration', 'Runs, worst', 'Notes'];
  return [
    '<section id="outages">',
    '<h2>Outages</h2>',
    '<p class="muted">Newest first. An outage runs from the first failing run to the next healthy one; MTTR is the mean duration of the ones that ended.</p>',
    listed.length === 0
      ? '<p>None in the kept runs.</p>'
      : [
          '<table class="cards">',
          `<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>`,
          `<tbody>${listed.map((o) => outageRow(o, view.now)).join('\n')}</tbody>`,
          '</table>',
        ].join('\n'),
    older > 0 ? `<p class="muted">And ${plural(older, 'older outage')}, counted in MTTR.</p>` : '',
    '</section>',
  ].join('\n');
}

function footer(view: PageView): string {
  const { doc, now } = view;
  const href = pageHref(doc.runUrl);
  const run = doc.runId ? `run ${pageText(doc.runId, 40)}` : 'go-proxy-guard';
  const by = href ? `<a href="${href}" rel="noreferrer">${run}</a>` : run;
  return `<footer>Generated ${utc(now)} (${timeAgo(now, now)}) by ${by}, from ${plural(doc.historyRuns, 'kept run')}. All times are UTC. ${pageText(doc.schema, 60)}</footer>`;
}
