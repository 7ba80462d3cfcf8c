import { prefetchLine } from '../warm/prefetch/prefetch.js';
import { parseGoproxy, proxyUrls } from '../goproxy/chain.js';
import type { ProxyHealth, ProxyVerdict } from '../health/proxy-health.js';
import type { Verdict } from '../health/rank.js';
import { DEFAULT_SCORE_MODEL } from '../health/score.js';
import type { HistoryStats, ProxyStats } from '../history/history.js';
import type { LadderStep } from '../warm/ladder.js';
import type { RunContext } from './run-context.js';
import type { RunReport, WarmReport } from './run-report.js';

/**
 * The job summary: GitHub-flavoured Markdown for the step summary, read as is
 * when kept as a GitLab artifact. The verdict comes first because most
 * readers stop there; everything after it explains the verdict or says what to do.
 */

/** GitHub refuses a step summary over 1 MiB; the margin leaves room for a line the caller may add. */
export const SUMMARY_MAX_BYTES = 900_000;

export interface SummaryOptions {
  /** Per-proxy health over the recorded runs, this one included. */
  history?: HistoryStats;
  context?: RunContext;
  /** The gate's decision, so the summary can say why the step passed or failed the job. */
  gate?: { pass: boolean; reason: string };
  maxBytes?: number;
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
/** The verdict line is read in five seconds: its reason is cut well before the text limit. */
const VERDICT_REASON_CHARS = 300;
/** Days of certificate life under which a proxy's certificate gets advice (the score's own warning threshold). */
const CERT_WARN_DAYS = DEFAULT_SCORE_MODEL.certWarnDays;
/** A proxy unhealthy this many runs in a row, or with this many outages in the history, is worth a word. */
const FAILING_STREAK = 3;
const FLAPPING_OUTAGES = 3;

const VERDICT_ICON: Record<Verdict, string> = { healthy: '✅', degraded: '⚠️', failed: '❌' };
const PROXY_ICON: Record<ProxyVerdict, string> = { healthy: '🟢', slow: '🟡', stale: '🟠', broken: '🔴', down: '🔴' };
const OUTCOME_ICON = { ok: '✅', failed: '❌', skipped: '⏭️' } as const;
const RESCUER: Record<Exclude<LadderStep, 'proxy' | 'failed'>, string> = {
  retry: 'a retry',
  direct: 'direct (VCS) downloads',
  cache: 'the CI cache',
  vendor: 'vendor/',
};

export function renderSummary(report: RunReport, opts: SummaryOptions = {}): string {
  const maxBytes = opts.maxBytes ?? SUMMARY_MAX_BYTES;
  const advice = adviceFor(report, opts);
  for (const limits of LIMITS) {
    const text = render(report, opts, advice, limits);
    if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  }
  return bareVerdict(report, maxBytes);
}

function render(report: RunReport, opts: SummaryOptions, advice: string[], limits: Limits): string {
  const blocks: string[][] = [[verdictLine(report)]];
  if (opts.context) blocks.push([contextLine(opts.context, limits)]);
  blocks.push(proxiesSection(report, limits));
  if (report.warm) blocks.push(ladderSection(report.warm, limits), cacheSection(report.warm, limits));
  blocks.push(['### What to do', '', ...(advice.length > 0 ? list(advice, (a) => md(a, limits.chars), count(advice.length, 'suggestion'), limits) : ['Nothing to do.'])]);
  if (opts.history && opts.history.size > 0) blocks.push(trendSection(report, opts.history, limits));
  if (report.notes.length > 0) blocks.push(['### Notes', '', ...list(report.notes, (n) => md(n, limits.chars), count(report.notes.length, 'note'), limits)]);
  return blocks.map((b) => b.join('\n')).join('\n\n') + '\n';
}

function verdictLine(report: RunReport): string {
  const step = report.warm?.ladderStep;
  const saved = step && step !== 'proxy' && step !== 'failed' ? `, saved by ${RESCUER[step]}` : '';
  return `## ${VERDICT_ICON[report.verdict]} go-proxy-guard: ${report.verdict}${saved} — ${md(report.reason, VERDICT_REASON_CHARS)}`;
}

/** When nothing else fits: the verdict alone, cut to the byte limit on a character boundary. */
function bareVerdict(report: RunReport, maxBytes: number): string {
  const text = `${verdictLine(report)}\n\nThe rest of the summary did not fit in ${maxBytes} bytes; the JSON report has it all.\n`;
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
  const url = safeLink(ctx.runUrl);
  const name = ctx.runId ? `run ${md(ctx.runId, limits.chars)}` : 'run';
  const run = url ? `[${name}](${url})` : ctx.runId ? name : undefined;
  const where = [ctx.repository, ctx.workflow, ctx.event].filter((p): p is string => !!p).map((p) => md(p, limits.chars));
  const when = `${ctx.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<sub>${[...(run ? [run] : []), ...where, when].join(' · ')}</sub>`;
}

// ---- proxies ----

const PROXY_HEADER = ['#', 'proxy', 'score', 'success / latency / cert', 'p50', 'p95', 'success', 'TLS days', 'verdict', 'reason'];
const PROXY_ALIGN = ['--:', '---', '--:', ':-:', '--:', '--:', '--:', '--:', '---', '---'];

function proxiesSection(report: RunReport, limits: Limits): string[] {
  const lines = ['### Proxies', '', `Exported ${code(`GOPROXY=${report.goproxy}`, limits.chars * 4)}`, ''];
  if (report.proxies.length === 0) return [...lines, 'No proxy was probed.'];
  const ms = (n: number | null) => (n === null ? '–' : `${n} ms`);
  return [
    ...lines,
    ...table(
      PROXY_HEADER,
      PROXY_ALIGN,
      report.proxies,
      (p, i) => [
        String(i + 1),
        md(p.url, limits.chars),
        p.score.toFixed(2),
        `${p.parts.success.toFixed(2)} / ${p.parts.latency.toFixed(2)} / ${p.parts.cert.toFixed(1)}`,
        ms(p.latencyMs.p50),
        ms(p.latencyMs.p95),
        `${Math.round(p.successRate * 100)}%`,
        p.tlsDaysLeft === null ? '–' : `${p.tlsDaysLeft}${p.tlsDaysLeft < CERT_WARN_DAYS ? ' ⚠️' : ''}`,
        `${PROXY_ICON[p.verdict]} ${p.verdict}`,
        md(p.failure?.message ?? '', limits.chars),
      ],
      'proxies',
      limits,
    ),
  ];
}

// ---- ladder and cache ----

function ladderSection(warm: WarmReport, limits: Limits): string[] {
  const total = warm.ladder.reduce((sum, r) => sum + r.ms, 0);
  const lines = [`### Degradation ladder — ended on ${warm.ladderStep} after ${duration(total)}`, ''];
  const shown = warm.ladder.slice(0, limits.rows);
  lines.push(
    row(['rung', 'outcome', 'tried', 'reason', 'time']),
    row(['---', '---', '---', '---', '--:']),
    ...shown.map((r) => row([r.step, `${OUTCOME_ICON[r.outcome]} ${r.outcome}`, md(r.detail, limits.chars), md(r.reason, limits.chars), `${r.ms} ms`])),
  );
  if (warm.ladder.length > shown.length) lines.push('', `… and ${warm.ladder.length - shown.length} more rungs`);
  if (warm.diagnosis?.goMessage) lines.push('', 'The go command said:', '', ...fenced(warm.diagnosis.goMessage, limits.chars * 4));
  return lines;
}

function cacheSection(warm: WarmReport, limits: Limits): string[] {
  const key = warm.cacheKey ? code(warm.cacheKey, limits.chars) : undefined;
  const hit = !key
    ? 'not used (cache disabled or unavailable)'
    : warm.cacheHit === 'exact'
      ? `**exact hit** on ${key}`
      : warm.cacheHit === 'partial'
        ? `**partial hit**: an older entry restored, this run's key is ${key}`
        : `**miss**: nothing stored under ${key} or its prefixes`;
  const took = duration(warm.downloadMs);
  const network =
    warm.ladderStep === 'vendor'
      ? `built from vendor/ (${code(warm.goflags ?? '-mod=vendor', limits.chars)}): nothing downloaded`
      : warm.ladderStep === 'failed'
        ? `incomplete: no rung produced the whole build list (${took})`
        : `**${warm.downloaded.length}** of **${warm.buildList}** modules in the build list downloaded over the network in ${took}` +
          (warm.buildList > warm.downloaded.length ? `; ${warm.buildList - warm.downloaded.length} were already cached` : '');
  const lines = ['### Module cache', '', `- CI cache: ${hit}`, `- Modules: ${network}`];
  if (warm.prefetch) lines.push(`- Prefetch: ${md(prefetchLine(warm.prefetch).replace(/^prefetch:? ?/, ''), limits.chars * 2)}`);
  if (warm.downloaded.length > 0) lines.push('', ...list(warm.downloaded, (m) => md(m, limits.chars), `${count(warm.downloaded.length, 'module')} downloaded`, limits));
  return lines;
}

// ---- history ----

function trendSection(report: RunReport, history: HistoryStats, limits: Limits): string[] {
  const tracked = report.proxies.flatMap((p) => {
    const stats = history.get(p.url);
    return stats ? [{ url: p.url, stats }] : [];
  });
  if (tracked.length === 0) return [];
  const runs = Math.max(...tracked.map((t) => t.stats.runs));
  return [
    `### Health over the last ${runs} run${runs === 1 ? '' : 's'}`,
    '',
    ...table(
      ['proxy', 'trend', 'healthy', 'streak', 'last failure', 'outages', 'MTTR'],
      ['---', '---', '--:', '---', '---', '--:', '--:'],
      tracked,
      ({ url, stats }) => [
        md(url, limits.chars),
        stats.trend,
        `${Math.round(stats.successRate * 100)}% of ${stats.runs}`,
        streak(stats),
        lastFailure(stats),
        String(stats.outages),
        stats.mttrMs === undefined ? '–' : duration(stats.mttrMs),
      ],
      'proxies',
      limits,
    ),
  ];
}

function lastFailure(s: ProxyStats): string {
  if (s.sinceLastFailureMs === undefined) return 'never';
  return s.sinceLastFailureMs < 60_000 ? 'just now' : `${duration(s.sinceLastFailureMs)} ago`;
}

const streak = (s: ProxyStats) => `${s.streak.kind === 'up' ? '✓' : '✗'} ${s.streak.runs} run${s.streak.runs === 1 ? '' : 's'}`;

// ---- what to do ----

/** Advice derived from the run, most urgent first, as plain sentences (escaped when rendered). */
export function adviceFor(report: RunReport, opts: Pick<SummaryOptions, 'history' | 'gate'> = {}): string[] {
  const advice: string[] = [];
  const warm = report.warm;
  if (warm?.ladderStep === 'failed') advice.push(...failedLadderAdvice(warm));
  else if (warm && warm.ladderStep !== 'proxy') advice.push(rescueAdvice(warm, report));
  const chained = new Set(proxyUrls(parseGoproxy(report.goproxy)));
  for (const p of report.proxies) {
    const a = proxyAdvice(p, chained.has(p.url));
    if (a) advice.push(a);
    const c = certAdvice(p);
    if (c) advice.push(c);
  }
  if (opts.history) advice.push(...historyAdvice(report, opts.history));
  if (opts.gate) {
    if (!opts.gate.pass) advice.push(`This step fails the job: ${opts.gate.reason}. Set fail-on: never to report without failing.`);
    else if (report.verdict !== 'healthy') advice.push(`The step did not fail the job (${opts.gate.reason}); set fail-on: degraded to fail it on any degradation.`);
  }
  return advice;
}

/** What to do about a ladder that ended on `failed`, from the go command's own diagnosis. */
export function failedLadderAdvice(warm: WarmReport): string[] {
  const d = warm.diagnosis;
  const module = d?.module ?? 'a module';
  const advice: string[] = [];
  switch (d?.code) {
    case 'checksum-mismatch':
      advice.push(
        `Checksum mismatch for ${module}: do not retry. Compare go.sum with what the proxy serves: a proxy serving bytes that differ from sum.golang.org is compromised or misconfigured; regenerate go.sum (go mod tidy) only if go.sum itself is wrong.`,
      );
      break;
    case 'unknown-revision':
    case 'invalid-version':
      advice.push(`${module}: the required version does not exist (a deleted or moved tag?). Fix the requirement in go.mod; retrying will not help.`);
      break;
    case 'bad-go-mod':
      advice.push(`${d.module ? `${d.module} has a malformed go.mod` : 'A go.mod is malformed'}: fix it (go mod tidy); retrying will not help.`);
      break;
    case 'not-found':
    case 'stale':
      advice.push(`${module} was found neither behind the proxies nor direct: if it is private, list it in GOPRIVATE so the go command fetches it directly with credentials.`);
      break;
    default:
      advice.push(`Every rung of the ladder failed (${d?.message ?? 'no complete module cache'}): the proxies and the module origins were unreachable from the runner.`);
  }
  if (d?.class !== 'fatal' && warm.cacheHit === 'none') {
    advice.push('No CI cache entry was there to fall back on: once a run succeeds its module cache is saved, and a later outage can be ridden out offline.');
  }
  return advice;
}

export function rescueAdvice(warm: WarmReport, report: RunReport): string {
  switch (warm.ladderStep) {
    case 'retry': {
      const retries = warm.ladder.filter((r) => r.step === 'retry').length;
      return `Transient failures needed ${retries} ${retries === 1 ? 'retry' : 'retries'} before the proxies delivered; nothing to change unless it keeps happening.`;
    }
    case 'direct':
      return 'The job was saved by direct: the proxies failed, so modules came from their origin repositories (slower, and it needs git on the runner).';
    case 'cache':
      return `The job was saved by the CI cache: ${report.healthyCount === 0 ? 'proxies were down' : 'the proxies failed during the download'}, and the restored cache held the whole build list. A new dependency would not have been there.`;
    case 'vendor':
      return `The job was saved by vendor/: ${warm.goflags ? `GOFLAGS=${warm.goflags}` : 'GOFLAGS=-mod=vendor'} was exported for later steps; keep vendor/ in sync with go mod vendor.`;
    default:
      return '';
  }
}

/** What to do about one proxy that is not healthy; `inChain`: whether the exported GOPROXY still lists it. */
export function proxyAdvice(p: ProxyHealth, inChain: boolean): string | undefined {
  if (p.verdict === 'healthy') return undefined;
  const fate = inChain ? 'it stays in GOPROXY only because no better proxy answered' : 'it was left out of GOPROXY';
  const why = p.failure?.message;
  switch (p.verdict) {
    case 'stale':
      return p.stale.length > 0 ? `${p.url} served a stale list for ${firstFew(p.stale)}; ${fate}.` : `${p.url} is stale (${why ?? 'lacks required versions'}); ${fate}.`;
    case 'slow':
      return `${p.url} is slow (median ${p.latencyMs.p50 ?? '?'} ms, score ${p.score.toFixed(2)}); ${fate}.`;
    case 'down':
      return `${p.url} did not answer${why ? ` (${why})` : ''}; ${fate}.`;
    case 'broken':
      switch (p.failure?.code) {
        case 'unauthorized':
          return `${p.url} refused the credentials (${why}): check the token in its URL or in ~/.netrc; ${fate}.`;
        case 'tls-expired':
          return `${p.url}'s certificate has expired; ${fate}. Tell whoever runs it.`;
        case 'tls-untrusted':
        case 'tls-error':
          return `${p.url}'s TLS certificate is not trusted (${why}): for a private proxy with an internal CA, install the CA on the runner; ${fate}.`;
        case 'html':
        case 'malformed':
          return `${p.url} does not answer like a Go module proxy (${why}): check its URL (a login page or a wrong path?); ${fate}.`;
        default:
          return `${p.url} served broken data (${why ?? 'unknown'}); ${fate}.`;
      }
  }
}

function certAdvice(p: ProxyHealth): string | undefined {
  if (p.tlsDaysLeft === null || p.tlsDaysLeft >= CERT_WARN_DAYS || p.failure?.code === 'tls-expired') return undefined;
  if (p.tlsDaysLeft <= 0) return `${p.url}'s certificate has expired.`;
  return `${p.url}'s certificate expires in ${p.tlsDaysLeft} day${p.tlsDaysLeft === 1 ? '' : 's'}: have it renewed before builds start failing.`;
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
      return [`${p.url} flaps: ${s.outages} outages in the last ${s.runs} runs (healthy in ${Math.round(s.successRate * 100)}%${back}).`];
    }
    return [];
  });
}

function firstFew(items: string[], n = 5): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

// ---- Markdown ----

/** Credentials in free text (a note, a go error) that slipped past masking: keep the user name, hide the password. */
export function scrubCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]+@/gi, '$1:***@');
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  // Never leave half of a surrogate pair behind.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Any text from the run, made safe to drop anywhere in the summary: on one
 * line, within `max` characters, with no credentials, no HTML (so nothing can
 * close a <details> or inject a tag), and no Markdown that would split a
 * table cell, open a code span or make a link. Scrubbing comes before
 * clipping so a password is never left half visible.
 */
function md(text: string, max: number): string {
  const flat = clip(scrubCredentials(text).replace(/\s*[\r\n]+\s*/g, ' '), max);
  return escapeHtml(flat)
    .replace(/\\/g, '&#92;')
    .replace(/[`*[\]|~]/g, '\\$&');
}

/** A code span that survives any backticks in the text. Not for table cells: GFM would split them on its "|". */
function code(text: string, max: number): string {
  const flat = clip(scrubCredentials(text).replace(/\s*[\r\n]+\s*/g, ' '), max);
  const fence = '`'.repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function fenced(text: string, max: number): string[] {
  const body = clip(scrubCredentials(text), max);
  const fence = '`'.repeat(Math.max(3, ...(body.match(/`+/g) ?? []).map((r) => r.length + 1)));
  return [`${fence}text`, body, fence];
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** Only http(s) links, with nothing that could end the Markdown link early. */
function safeLink(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    u.username = '';
    u.password = '';
    return u.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return undefined;
  }
}

/** Items as a bullet list, inside <details> titled `summary` past SHOWN_OPEN, cut at limits.items. */
function list<T>(items: T[], show: (item: T) => string, summary: string, limits: Limits): string[] {
  const shown = items.slice(0, limits.items).map((i) => `- ${show(i)}`);
  if (items.length > shown.length) shown.push(`- … and ${items.length - shown.length} more`);
  return items.length <= SHOWN_OPEN ? shown : details(summary, shown);
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A table whose first SHOWN_OPEN rows are open and the rest, up to limits.rows, folded in <details>. */
function table<T>(header: string[], align: string[], items: T[], cells: (item: T, index: number) => string[], label: string, limits: Limits): string[] {
  const head = [row(header), row(align)];
  const open = items.slice(0, Math.min(SHOWN_OPEN, limits.rows));
  const folded = items.slice(open.length, limits.rows);
  const lines = [...head, ...open.map((item, i) => row(cells(item, i)))];
  const hidden = items.length - open.length - folded.length;
  const more = hidden > 0 ? ['', `… and ${hidden} more ${label}`] : [];
  if (folded.length === 0) return [...lines, ...more];
  const rest = [...head, ...folded.map((item, i) => row(cells(item, open.length + i))), ...more];
  return [...lines, '', ...details(`${items.length - open.length} more ${label}`, rest)];
}

/** GitHub renders Markdown inside <details> only after a blank line. */
function details(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${escapeHtml(summary)}</summary>`, '', ...body, '', '</details>'];
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
