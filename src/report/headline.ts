import type { ProxyHealth, ProxyVerdict, Verdict } from '../model/verdict.js';
import type { LadderStep } from '../model/ladder.js';
import { toolchainAdvice } from './toolchain-text.js';
import type { RunReport, WarmReport } from './run-report.js';

/**
 * The three things a reader takes from a run in five seconds, in plain words:
 * the verdict, one sentence on the cause, one action. The summary's top
 * block, the log's last line and the annotations all say it the same way.
 * Plain text: each output escapes it for its own format.
 */
export interface Headline {
  verdict: Verdict;
  /** The verdict and, for a rescued run, what rescued it: "degraded, saved by the CI cache". */
  title: string;
  cause: string;
  action: string;
}

/** One voice for figures: "5 ms", "–" for none. */
export const NONE = '–';
export const millis = (n: number | null | undefined): string => (n === null || n === undefined ? NONE : `${Math.round(n)} ms`);
export const percent = (rate: number): string => `${Math.round(rate * 100)}%`;
export const plural = (n: number, noun: string, nouns = `${noun}s`): string => `${n} ${n === 1 ? noun : nouns}`;

/** A proxy the go command cannot use at all: it gets no score and no certificate figures, which would only mislead. */
export const isUsable = (p: ProxyHealth): boolean => p.verdict !== 'down' && p.verdict !== 'broken';

const RESCUER: Record<Exclude<LadderStep, 'proxy' | 'failed'>, string> = {
  retry: 'a retry',
  direct: 'direct downloads from the origin',
  cache: 'the CI cache',
  vendor: 'vendor/',
};

/** What went wrong with a proxy, as a verb phrase that reads after its URL or after "3 of 3 proxies". */
export function proxyProblem(p: ProxyHealth): string {
  const f = p.failure;
  if (p.verdict === 'slow') return 'answered too slowly';
  if (p.verdict === 'stale') return 'served an outdated version list';
  switch (f?.code) {
    case 'http-5xx':
    case 'rate-limited':
      return `returned ${f.message}`;
    case 'timeout':
      return 'timed out';
    case 'refused':
      return 'refused the connection';
    case 'reset':
      return 'dropped the connection';
    case 'dns':
      return 'could not be found by DNS';
    case 'unauthorized':
      return 'rejected the credentials';
    case 'tls-expired':
      return 'served an expired certificate';
    case 'tls-untrusted':
    case 'tls-error':
      return 'served a certificate the runner does not trust';
    case 'html':
      return 'answered with a web page, not module data';
    case 'insecure-credentials':
      // The message says it all, and says what to do.
      return f.message;
    case 'malformed':
    case 'version-mismatch':
      return 'served malformed answers';
    case 'corrupt-zip':
      return 'served a corrupt zip';
    case 'not-found':
      return 'lacked the required modules';
    case undefined:
      return p.verdict === 'down' ? 'did not answer' : 'failed';
    default:
      return `failed: ${f?.message ?? p.verdict}`;
  }
}

/** "3 of 3 proxies returned HTTP 503", "https://a timed out; https://b returned HTTP 503". */
export function proxiesProblem(bad: ProxyHealth[], total: number): string {
  const groups = new Map<string, string[]>();
  for (const p of bad) groups.set(proxyProblem(p), [...(groups.get(proxyProblem(p)) ?? []), p.url]);
  const parts = [...groups].map(([problem, urls]) =>
    urls.length === 1
      ? `${urls[0]} ${problem}`
      : urls.length === total
        ? `${urls.length} of ${total} proxies ${problem}`
        : `${urls.join(', ')} ${problem}`,
  );
  return parts.length <= 3 ? parts.join('; ') : `${parts.slice(0, 3).join('; ')} and ${parts.length - 3} more failed`;
}

/** A sentence ends with one full stop, whatever the text it was built from ended with. */
const sentence = (text: string) => `${text.replace(/[.\s]+$/, '')}.`;

const VERDICT_WORD: Record<Verdict, string> = { healthy: 'healthy', degraded: 'degraded', failed: 'failed' };
export const VERDICT_ICON: Record<Verdict, string> = { healthy: '✅', degraded: '⚠️', failed: '❌' };
export const PROXY_ICON: Record<ProxyVerdict, string> = { healthy: '🟢', slow: '🟡', stale: '🟠', broken: '🔴', down: '🔴' };

export function headline(report: RunReport): Headline {
  const warm = report.warm;
  const step = warm?.ladderStep;
  // An exact restore tried first is a rescue only when no proxy could have done the job: otherwise the cache simply held every module.
  const rescued =
    step !== undefined && step !== 'proxy' && step !== 'failed' && (warm?.ladder[0]?.step !== step || report.healthyCount === 0);
  const title = rescued ? `${VERDICT_WORD[report.verdict]}, saved by ${RESCUER[step]}` : VERDICT_WORD[report.verdict];
  const { cause, action } =
    warm?.ladderStep === 'failed' ? failedRun(report, warm) : rescued && warm ? rescuedRun(report, warm) : proxyRun(report);
  // An emergency override must never be forgotten: it leads the cause wherever the headline goes.
  return { verdict: report.verdict, title, cause: report.override ? `${sentence(report.override)} ${cause}` : cause, action };
}

const bad = (report: RunReport) => report.proxies.filter((p) => p.verdict !== 'healthy');
const badUrls = (report: RunReport) => joinAnd(bad(report).map((p) => p.url));
const joinAnd = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** The build got its modules from the proxies (or there was no warm-up). */
function proxyRun(report: RunReport): { cause: string; action: string } {
  const n = report.proxies.length;
  const failing = bad(report);
  const best = report.bestProxy;
  if (n === 0) return { cause: 'No proxy was probed.', action: 'Nothing to do: later steps use the GOPROXY shown below.' };
  const used = !report.warm
    ? 'later steps use'
    : report.warm.ladderStep === 'cache'
      ? 'the restored CI cache held every module; later steps use'
      : 'the build used';
  if (failing.length === 0) {
    const fastest = report.proxies[0];
    return {
      cause: `${n} of ${n} proxies healthy; ${fastest?.url} answered in ${millis(fastest?.latencyMs.p50)} at the median.`,
      action: `Nothing to do: ${used} ${best}.`,
    };
  }
  const problem = proxiesProblem(failing, n);
  if (best) {
    return {
      cause: `${problem}; ${report.healthyCount} of ${n} proxies healthy.`,
      action: `Nothing to do: ${used} ${best}. If ${badUrls(report)} ${failing.length === 1 ? 'keeps failing, fix it or remove it' : 'keep failing, fix them or remove them'} from the proxies input.`,
    };
  }
  const direct = report.goproxy.split(/[,|]/).includes('direct');
  return {
    cause: `${problem}; ${direct ? 'later steps fall back to direct downloads from the origin' : 'direct was off'}.`,
    action: direct
      ? `Re-run when ${badUrls(report)} recovers: direct downloads are slow and need git.`
      : `Re-run when ${badUrls(report)} recovers.`,
  };
}

function rescuedRun(report: RunReport, warm: WarmReport): { cause: string; action: string } {
  const failing = bad(report);
  const problem = failing.length > 0 ? proxiesProblem(failing, report.proxies.length) : 'the proxies failed during the download';
  switch (warm.ladderStep) {
    case 'retry':
      return { cause: `${problem}; a retry delivered the modules.`, action: 'Nothing to do unless it keeps happening.' };
    case 'direct':
      return {
        cause: `${problem}; the modules came from their origin repositories instead.`,
        action: `Nothing to do for this build; direct downloads are slow and need git, so fix or replace ${failing.length > 0 ? badUrls(report) : 'the proxies'}.`,
      };
    case 'cache':
      return {
        cause: `${problem}; the module cache restored from the CI cache held the whole build list.`,
        action: `Nothing to do for this build; a new dependency needs the proxies back, so re-run when ${failing.length > 0 ? badUrls(report) : 'they'} recover${failing.length === 1 ? 's' : ''}.`,
      };
    default:
      return {
        cause: `${problem}; the build uses vendor/ with GOFLAGS=${warm.goflags ?? '-mod=vendor'}.`,
        action: 'Keep vendor/ in sync with go mod vendor.',
      };
  }
}

function failedRun(report: RunReport, warm: WarmReport): { cause: string; action: string } {
  const d = warm.diagnosis;
  const t = report.toolchain;
  const toolchain =
    t && (t.source === 'failed' || (t.source === 'invalid' && t.diagnosis)) ? toolchainAdvice(t, report.project.root) : undefined;
  // Without the toolchain no go command runs: that, not the modules, is what to fix.
  if (toolchain) return { cause: sentence(d?.message ?? 'the Go toolchain could not be obtained'), action: toolchain };
  const module = d?.module ?? 'the module';
  switch (d?.code) {
    case 'checksum-mismatch':
      return {
        cause: sentence(d.message),
        action: 'Do not re-run: compare go.sum with what the proxy serves, and regenerate go.sum only if go.sum itself is wrong.',
      };
    case 'unknown-revision':
    case 'invalid-version':
      return { cause: sentence(d.message), action: `Fix the requirement on ${module} in go.mod; re-running will not help.` };
    case 'bad-go-mod':
      return { cause: sentence(d.message), action: 'Fix the malformed go.mod, for example with go mod tidy; re-running will not help.' };
    case 'not-found':
    case 'stale':
      return { cause: sentence(d.message), action: `If ${module} is private, list it in GOPRIVATE so it is fetched directly.` };
  }
  const failing = bad(report);
  const problem =
    failing.length > 0
      ? proxiesProblem(failing, report.proxies.length)
      : `the proxies failed during the download: ${d?.message ?? 'no complete module cache'}`;
  const direct = warm.ladder.find((r) => r.step === 'direct');
  const directWords =
    !direct || direct.outcome === 'skipped'
      ? 'direct was off'
      : direct.outcome === 'failed'
        ? 'direct downloads failed too'
        : 'direct downloads were incomplete';
  const cache = warm.cacheHit === 'none' ? '; no CI cache to fall back on' : '';
  const who = failing.length > 0 ? badUrls(report) : 'the proxies';
  const recovers = failing.length > 1 ? 'recover' : 'recovers';
  return {
    cause: `${problem}; ${directWords}${cache}.`,
    action:
      warm.cacheHit === 'none'
        ? `Re-run when ${who} ${recovers}; that run's saved module cache will carry the next outage.`
        : `Re-run when ${who} ${recovers}; the restored cache lacked modules this build needs.`,
  };
}

/**
 * The log's last line: the verdict, the cause and the action on one line,
 * and whether this step fails the job.
 */
export function finalLine(report: RunReport, gate: { pass: boolean; reason: string }): string {
  const h = headline(report);
  const job = gate.pass ? '' : ` This step fails the job: ${gateWords(gate.reason)}.`;
  return `go-proxy-guard: ${h.title}. ${h.cause} ${h.action}${job}`;
}

/** The gate's reason without its parenthesised policy: "verdict is degraded, as fail-on: degraded asks". */
export function gateWords(reason: string): string {
  return reason
    .replace(/^no rung of the ladder produced a complete module cache/, 'the module cache is incomplete')
    .replace(/\s*\((fail-on: [a-z-]+)\)$/, ', as $1 asks');
}
