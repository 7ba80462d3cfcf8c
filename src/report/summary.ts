import { prefetchLine } from '../warm/prefetch/prefetch.js';
import type { GateDecision } from '../model/gate.js';
import { DEFAULT_SCORE_MODEL, type ScoreModel } from '../model/score.js';
import { TREND_LEGEND, type HistoryStats, type ProxyStats } from '../history/history.js';
import { mdCode, mdDetails, mdFenced, mdLinkTarget, mdText, scrubCredentials } from './escape.js';
import {
  certAdvice,
  chainedProxies,
  failedDownload,
  gateAdvice,
  gateWords,
  isUsable,
  proxyAdvice,
  proxyProblem,
  rescue,
} from './explain.js';
import { duration, millis, NONE, percent, plural, PROXY_ICON, VERDICT_ICON } from './format.js';
import { headline } from './headline.js';
import { docsLinks, type DocsLinks } from './docs-links.js';
import type { RunContext } from '../model/run-context.js';
import type { RunReport, WarmReport } from '../model/run-report.js';
import { toolchainAdvice, toolchainSentence } from './toolchain-text.js';

export { scrubCredentials };

/**
 * The job summary: GitHub-flavoured Markdown for the step summary, read as is
 * when kept as a GitLab artifact. It opens with three lines a person reads in
 * five seconds (the verdict, the cause, what to do) and the GOPROXY later
 * steps get. A healthy run folds everything else away; a degraded or failed
 * run shows the proxies and the fallbacks, each table narrow enough for the
 * summary card, and folds the figures behind the verdicts.
 */

/** GitHub refuses a step summary over 1 MiB; the margin leaves room for a line the caller may add. */
export const SUMMARY_MAX_BYTES = 900_000;

export interface SummaryOptions {
  /** Per-proxy health over the recorded runs, this one included. */
  history?: HistoryStats;
  context?: RunContext;
  /** The gate's decision, so the summary can say why the step passed or failed the job. */
  gate?: GateDecision;
  maxBytes?: number;
  /** The user's score model (score-thresholds): its cert-warn decides which certificates get a warning. Default: the defaults. */
  score?: Pick<ScoreModel, 'certWarnDays'>;
}

/** How much of each list and text is shown; each next level is tried when the summary outgrows maxBytes. */
interface Limits {
  rows: number;
  items: number;
  chars: number;
}
const LIMITS: Limits[] = [
  { rows: 100, items: 300, chars: 500 },
  { rows: 20, items: 40, chars: 160 },
  { rows: 3, items: 3, chars: 60 },
];
/** Lists and tables longer than this fold the rest into <details>: the page stays one screen for the usual case. */
const SHOWN_OPEN = 10;
/** The top block is read in five seconds: its sentences are cut well before the text limit. */
const TOP_CHARS = 400;
/** Days of certificate life under which a proxy's certificate gets advice: the score's own warning threshold, the user's when given. */
const certWarnDays = (opts: Pick<SummaryOptions, 'score'>): number => (opts.score ?? DEFAULT_SCORE_MODEL).certWarnDays;
/** A proxy unhealthy this many runs in a row, or with this many outages in the history, is worth a word. */
const FAILING_STREAK = 3;
const FLAPPING_OUTAGES = 3;

const OUTCOME_ICON = { ok: '✅', failed: '❌', skipped: '⏭️', waited: '⏳' } as const;
const STEP_WORDS: Record<string, string> = {
  proxy: 'ranked proxies',
  retry: 'retries',
  direct: 'direct from the origin',
  cache: 'CI cache, offline',
  vendor: 'vendor/',
  failed: 'every fallback failed',
};

export function renderSummary(report: RunReport, opts: SummaryOptions = {}): string {
  const maxBytes = opts.maxBytes ?? SUMMARY_MAX_BYTES;
  const advice = adviceFor(report, opts);
  for (const limits of LIMITS) {
    const text = render(report, opts, advice, limits);
    if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  }
  return bareVerdict(report, opts, maxBytes);
}

function render(report: RunReport, opts: SummaryOptions, advice: string[], limits: Limits): string {
  const healthy = report.verdict === 'healthy';
  const ladderOpen = !healthy && report.warm !== undefined && report.warm.ladderStep !== 'proxy';
  const docs = docsLinks(opts.context);
  const open: string[][] = [topBlock(report, opts), [goproxyLine(report, limits, docs)]];
  if (opts.context) open.push([contextLine(opts.context, limits)]);
  // What stays folded, each with the words its part of the <details> title uses.
  const folded: { title: string; lines: string[] }[] = [];
  if (healthy) folded.push({ title: 'proxies', lines: proxiesSection(report, limits, '####') });
  else open.push(proxiesSection(report, limits, '###'));
  folded.push({ title: 'scores', lines: figuresSection(report, limits, certWarnDays(opts), docs) });
  if (report.warm) {
    if (ladderOpen) open.push(ladderSection(report.warm, limits, '###', docs));
    else folded.push({ title: 'fallbacks', lines: ladderSection(report.warm, limits, '####', docs) });
    folded.push({ title: 'module cache', lines: cacheSection(report.warm, limits) });
  }
  if (report.toolchain)
    folded.push({
      title: 'toolchain',
      lines: ['#### Go toolchain', '', mdText(toolchainSentence(report.toolchain, report.project.root), limits.chars * 2)],
    });
  if (advice.length > 0 && !healthy)
    folded.push({ title: 'suggestions', lines: ['#### Every suggestion', '', ...list(advice, (a) => mdText(a, limits.chars), limits)] });
  if (opts.history && opts.history.size > 0)
    folded.push({ title: 'health trend', lines: trendSection(report, opts.history, limits, docs) });
  if (report.notes.length > 0)
    folded.push({ title: 'notes', lines: ['#### Notes', '', ...list(report.notes, (n) => mdText(n, limits.chars), limits)] });
  const rest = folded.filter((b) => b.lines.length > 0);
  const blocks = open.filter((b) => b.length > 0);
  if (rest.length > 0)
    blocks.push(
      mdDetails(
        `Details: ${rest.map((b) => b.title).join(', ')}`,
        rest
          .map((b) => b.lines.join('\n'))
          .join('\n\n')
          .split('\n'),
      ),
    );
  return blocks.map((b) => b.join('\n')).join('\n\n') + '\n';
}

/** Verdict, cause, action: three lines, then nothing a reader must scroll for. */
function topBlock(report: RunReport, opts: SummaryOptions): string[] {
  const h = headline(report);
  const gate = opts.gate && !opts.gate.pass ? ` This step fails the job: ${gateWords(opts.gate)}.` : '';
  return [
    `## ${VERDICT_ICON[h.verdict]} go-proxy-guard: ${mdText(h.title, TOP_CHARS)}`,
    '',
    mdText(h.cause, TOP_CHARS),
    '',
    `**What to do:** ${mdText(h.action + gate, TOP_CHARS)}`,
  ];
}

/** The GOPROXY later steps really get (through the local proxy when it runs), and the chain that works without it. */
function goproxyLine(report: RunReport, limits: Limits, docs: DocsLinks): string {
  const exported = report.exportedGoproxy ?? report.goproxy;
  if (!report.serve) return `Later steps get ${mdCode(`GOPROXY=${exported}`, limits.chars * 4)}.`;
  return `Later steps get ${mdCode(`GOPROXY=${exported}`, limits.chars * 4)}, through the [local proxy](${docs.localProxy}); without it: ${mdCode(report.goproxy, limits.chars * 4)}.`;
}

/** When nothing else fits: the top block alone, cut to the byte limit on a character boundary. */
function bareVerdict(report: RunReport, opts: SummaryOptions, maxBytes: number): string {
  const text = `${topBlock(report, opts).join('\n')}\n\nThe rest of the summary did not fit in ${maxBytes} bytes; the JSON report has it all.\n`;
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    bytes += Buffer.byteLength(ch, 'utf8');
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}

function contextLine(ctx: RunContext, limits: Limits): string {
  const url = mdLinkTarget(ctx.runUrl);
  const name = ctx.runId ? `run ${mdText(ctx.runId, limits.chars)}` : 'run';
  const run = url ? `[${name}](${url})` : ctx.runId ? name : undefined;
  const where = [ctx.repository, ctx.workflow, ctx.event].filter((p): p is string => !!p).map((p) => mdText(p, limits.chars));
  const when = `${ctx.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<sub>${[...(run ? [run] : []), ...where, when].join(' · ')}</sub>`;
}

// ---- proxies ----

/** Five columns: what a reader needs to see which proxy failed and why. The figures behind the score are folded. */
export const PROXY_HEADER = ['proxy', 'verdict', 'reason', 'p50', 'success'];
const PROXY_ALIGN = ['---', '---', '---', '--:', '--:'];

function proxiesSection(report: RunReport, limits: Limits, level: string): string[] {
  const head = [`${level} Proxies`, ''];
  if (report.proxies.length === 0) return [...head, 'No proxy was probed.'];
  return [
    ...head,
    ...table(
      PROXY_HEADER,
      PROXY_ALIGN,
      report.proxies,
      (p) => [
        mdText(p.url, limits.chars),
        `${PROXY_ICON[p.verdict]} ${p.verdict}`,
        p.verdict === 'healthy' ? '' : mdText(proxyProblem(p), limits.chars),
        millis(p.latencyMs.p50),
        percent(p.successRate),
      ],
      'proxies',
      limits,
    ),
  ];
}

/** The score's parts and the certificate, for a reader who wants to know why a proxy ranked where it did. */
function figuresSection(report: RunReport, limits: Limits, warnDays: number, docs: DocsLinks): string[] {
  const usable = report.proxies.filter(isUsable);
  if (usable.length === 0) return [];
  const unusable = report.proxies.length - usable.length;
  const lines = [
    `#### [Score](${docs.score}) and TLS`,
    '',
    ...table(
      ['proxy', 'score', 'success · latency · cert', 'p95', 'TLS days left'],
      ['---', '--:', ':-:', '--:', '--:'],
      usable,
      (p) => [
        mdText(p.url, limits.chars),
        p.score.toFixed(2),
        `${p.parts.success.toFixed(2)} · ${p.parts.latency.toFixed(2)} · ${p.parts.cert.toFixed(1)}`,
        millis(p.latencyMs.p95),
        p.tlsDaysLeft === null ? NONE : `${p.tlsDaysLeft}${p.tlsDaysLeft < warnDays ? ' ⚠️' : ''}`,
      ],
      'proxies',
      limits,
    ),
  ];
  if (unusable > 0)
    lines.push(
      '',
      `${plural(unusable, 'proxy', 'proxies')} could not be used at all, so ${unusable === 1 ? 'it has' : 'they have'} no score.`,
    );
  return lines;
}

// ---- ladder and cache ----

function ladderSection(warm: WarmReport, limits: Limits, level: string, docs: DocsLinks): string[] {
  const total = warm.ladder.reduce((sum, r) => sum + r.ms, 0);
  const lines = [
    `${level} How the modules were fetched: ${STEP_WORDS[warm.ladderStep] ?? warm.ladderStep}, after ${duration(total)}`,
    '',
    `Each [fallback](${docs.ladder}) is tried when the one before fails.`,
    '',
  ];
  // The closing "failed" step repeats what the top block says; the table lists what was tried.
  const tried = warm.ladder.filter((r) => r.step !== 'failed');
  const shown = tried.slice(0, limits.rows);
  lines.push(
    row(['fallback', 'outcome', 'reason', 'time']),
    row(['---', '---', '---', '--:']),
    ...shown.map((r) =>
      row([
        STEP_WORDS[r.step] ?? r.step,
        `${OUTCOME_ICON[r.outcome]} ${r.outcome}`,
        mdText(r.reason, limits.chars),
        r.outcome === 'skipped' ? NONE : duration(r.ms),
      ]),
    ),
  );
  if (tried.length > shown.length) lines.push('', `… and ${tried.length - shown.length} more`);
  if (warm.diagnosis?.goMessage) lines.push('', 'The go command said:', '', ...mdFenced(warm.diagnosis.goMessage, limits.chars * 4));
  return lines;
}

function cacheSection(warm: WarmReport, limits: Limits): string[] {
  const key = warm.cacheKey ? mdCode(warm.cacheKey, limits.chars) : undefined;
  const hit = !key
    ? 'not used: the cache is off or unavailable'
    : warm.cacheHit === 'exact'
      ? `**exact hit** on ${key}`
      : warm.cacheHit === 'partial'
        ? `**partial hit**: an older entry restored, this run's key is ${key}`
        : `**miss**: nothing stored under ${key} or its prefixes`;
  const took = duration(warm.downloadMs);
  const network =
    warm.ladderStep === 'vendor'
      ? `built from vendor/ with ${mdCode(warm.goflags ?? '-mod=vendor', limits.chars)}: nothing downloaded`
      : warm.ladderStep === 'failed'
        ? `incomplete: no fallback produced the whole build list in ${took}`
        : `**${warm.downloaded.length}** of **${warm.buildList}** modules in the build list downloaded over the network in ${took}` +
          (warm.buildList > warm.downloaded.length ? `; ${warm.buildList - warm.downloaded.length} were already cached` : '');
  const lines = ['#### Module cache', '', `- CI cache: ${hit}`, `- Modules: ${network}`];
  if (warm.prefetch) lines.push(`- Prefetch: ${mdText(prefetchLine(warm.prefetch).replace(/^prefetch:? ?/, ''), limits.chars * 2)}`);
  if (warm.downloaded.length > 0) lines.push('', ...list(warm.downloaded, (m) => mdText(m, limits.chars), limits));
  return lines;
}

// ---- history ----

function trendSection(report: RunReport, history: HistoryStats, limits: Limits, docs: DocsLinks): string[] {
  const tracked = report.proxies.flatMap((p) => {
    const stats = history.get(p.url);
    return stats ? [{ url: p.url, stats }] : [];
  });
  if (tracked.length === 0) return [];
  const runs = Math.max(...tracked.map((t) => t.stats.runs));
  return [
    `#### [Health](${docs.history}) over the last ${plural(runs, 'run')}`,
    '',
    `One cell per run, oldest first: ${TREND_LEGEND}.`,
    '',
    ...table(
      ['proxy', 'runs', 'healthy', 'now', 'back after'],
      ['---', '---', '--:', '---', '--:'],
      tracked,
      ({ url, stats }) => [
        mdText(url, limits.chars),
        stats.trend,
        `${percent(stats.successRate)} of ${stats.runs}`,
        streak(stats),
        stats.mttrMs === undefined ? NONE : `${duration(stats.mttrMs)} on average`,
      ],
      'proxies',
      limits,
    ),
  ];
}

const streak = (s: ProxyStats) => `${s.streak.kind === 'up' ? 'healthy' : 'failing'} for ${plural(s.streak.runs, 'run')}`;

// ---- what to do ----

/** Advice derived from the run, most urgent first, as plain sentences (escaped when rendered). */
export function adviceFor(report: RunReport, opts: Pick<SummaryOptions, 'history' | 'gate' | 'score'> = {}): string[] {
  const advice: string[] = [];
  const warm = report.warm;
  // Without the toolchain no go command runs: its advice replaces the modules' own.
  const toolchain = report.toolchain && toolchainAdvice(report.toolchain, report.project.root);
  if (toolchain) advice.push(toolchain);
  else if (warm?.ladderStep === 'failed') advice.push(...failedDownload(report, warm).advice);
  else if (warm && warm.ladderStep !== 'proxy') advice.push(...rescue(report, warm).advice);
  const chained = chainedProxies(report);
  for (const p of report.proxies) {
    const a = proxyAdvice(p, chained.has(p.url));
    if (a) advice.push(a);
    const c = certAdvice(p, certWarnDays(opts));
    if (c) advice.push(c);
  }
  if (opts.history) advice.push(...historyAdvice(report, opts.history));
  const gate = opts.gate && gateAdvice(opts.gate, report.verdict);
  if (gate) advice.push(gate);
  return advice;
}

function historyAdvice(report: RunReport, history: HistoryStats): string[] {
  return report.proxies.flatMap((p) => {
    const s = history.get(p.url);
    if (!s) return [];
    if (s.streak.kind === 'down' && s.streak.runs >= FAILING_STREAK) {
      return [`${p.url} has not been healthy for ${s.streak.runs} runs in a row: consider removing it from the proxies input.`];
    }
    if (s.outages >= FLAPPING_OUTAGES) {
      const back = s.mttrMs === undefined ? '' : `, back after ${duration(s.mttrMs)} on average`;
      return [`${p.url} flaps: ${s.outages} outages in the last ${s.runs} runs, healthy in ${percent(s.successRate)}${back}.`];
    }
    return [];
  });
}

// ---- Markdown ----

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** Items as a bullet list, inside <details> past SHOWN_OPEN, cut at limits.items. */
function list<T>(items: T[], show: (item: T) => string, limits: Limits): string[] {
  const shown = items.slice(0, limits.items).map((i) => `- ${show(i)}`);
  if (items.length > shown.length) shown.push(`- … and ${items.length - shown.length} more`);
  return items.length <= SHOWN_OPEN
    ? shown
    : [...shown.slice(0, SHOWN_OPEN), '', ...mdDetails(`${items.length - SHOWN_OPEN} more`, shown.slice(SHOWN_OPEN))];
}

/** A table whose first SHOWN_OPEN rows are open and the rest, up to limits.rows, folded in <details>. */
function table<T>(
  header: string[],
  align: string[],
  items: T[],
  cells: (item: T, index: number) => string[],
  label: string,
  limits: Limits,
): string[] {
  const head = [row(header), row(align)];
  const open = items.slice(0, Math.min(SHOWN_OPEN, limits.rows));
  const folded = items.slice(open.length, limits.rows);
  const lines = [...head, ...open.map((item, i) => row(cells(item, i)))];
  const hidden = items.length - open.length - folded.length;
  const more = hidden > 0 ? ['', `… and ${hidden} more ${label}`] : [];
  if (folded.length === 0) return [...lines, ...more];
  const rest = [...head, ...folded.map((item, i) => row(cells(item, open.length + i))), ...more];
  return [...lines, '', ...mdDetails(`${items.length - open.length} more ${label}`, rest)];
}
