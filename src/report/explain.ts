import type { FailOn, GateCause, GateDecision } from '../model/gate.js';
import type { RunReport, WarmReport } from '../model/run-report.js';
import type { ProxyHealth } from '../model/verdict.js';
import { joinAnd, millis, sentence } from './format.js';

/**
 * What a run means and what to do about it, in plain words: the one place
 * each situation is explained. The headline (summary top block, the log's
 * last line, annotations) takes the short cause and action; the summary's
 * suggestions take the longer advice. Plain text: each output escapes it for
 * its own format.
 */
export interface Explanation {
  cause: string;
  action: string;
  /** The suggestions the summary lists, most urgent first. */
  advice: string[];
}

/** A proxy the go command cannot use at all: it gets no score and no certificate figures, which would only mislead. */
export const isUsable = (p: ProxyHealth): boolean => p.verdict !== 'down' && p.verdict !== 'broken';

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

/** The proxies of the run that are not healthy, and their URLs as a phrase. */
export const unhealthy = (report: RunReport): ProxyHealth[] => report.proxies.filter((p) => p.verdict !== 'healthy');
export const unhealthyUrls = (report: RunReport): string => joinAnd(unhealthy(report).map((p) => p.url));

/** The proxies the exported chain still lists (the report carries the chain's entries: nothing is parsed back). */
export const chainedProxies = (report: Pick<RunReport, 'chain'>): Set<string> =>
  new Set(report.chain.flatMap((e) => (e.kind === 'proxy' ? [e.url] : [])));

/** A rung past the proxies (retry, direct, cache, vendor/) delivered the modules. */
export function rescue(report: RunReport, warm: WarmReport): Explanation {
  const failing = unhealthy(report);
  const problem = failing.length > 0 ? proxiesProblem(failing, report.proxies.length) : 'the proxies failed during the download';
  switch (warm.ladderStep) {
    case 'retry': {
      const retries = warm.ladder.filter((r) => r.step === 'retry').length;
      return {
        cause: `${problem}; a retry delivered the modules.`,
        action: 'Nothing to do unless it keeps happening.',
        advice: [
          `Transient failures needed ${retries} ${retries === 1 ? 'retry' : 'retries'} before the proxies delivered; nothing to change unless it keeps happening.`,
        ],
      };
    }
    case 'direct':
      return {
        cause: `${problem}; the modules came from their origin repositories instead.`,
        action: `Nothing to do for this build; direct downloads are slow and need git, so fix or replace ${failing.length > 0 ? unhealthyUrls(report) : 'the proxies'}.`,
        advice: [
          'The job was saved by direct: the proxies failed, so modules came from their origin repositories (slower, and it needs git on the runner).',
        ],
      };
    case 'cache':
      return {
        cause: `${problem}; the module cache restored from the CI cache held the whole build list.`,
        action: `Nothing to do for this build; a new dependency needs the proxies back, so re-run when ${failing.length > 0 ? unhealthyUrls(report) : 'they'} recover${failing.length === 1 ? 's' : ''}.`,
        advice: [
          `The job was saved by the CI cache: ${report.healthyCount === 0 ? 'proxies were down' : 'the proxies failed during the download'}, and the restored cache held the whole build list. A new dependency would not have been there.`,
        ],
      };
    default:
      return {
        cause: `${problem}; the build uses vendor/ with GOFLAGS=${warm.goflags ?? '-mod=vendor'}.`,
        action: 'Keep vendor/ in sync with go mod vendor.',
        advice: [
          `The job was saved by vendor/: ${warm.goflags ? `GOFLAGS=${warm.goflags}` : 'GOFLAGS=-mod=vendor'} was exported for later steps; keep vendor/ in sync with go mod vendor.`,
        ],
      };
  }
}

/** A ladder that ended on `failed`, from the go command's own diagnosis. */
export function failedDownload(report: RunReport, warm: WarmReport): Explanation {
  const d = warm.diagnosis;
  const noCache =
    d?.class !== 'fatal' && warm.cacheHit === 'none'
      ? [
          'No CI cache entry was there to fall back on: once a run succeeds its module cache is saved, and a later outage can be ridden out offline.',
        ]
      : [];
  const module = d?.module;
  switch (d?.code) {
    case 'checksum-mismatch':
      return {
        cause: sentence(d.message),
        action: 'Do not re-run: compare go.sum with what the proxy serves, and regenerate go.sum only if go.sum itself is wrong.',
        advice: [
          `Checksum mismatch for ${module ?? 'a module'}: do not retry. Compare go.sum with what the proxy serves: a proxy serving bytes that differ from sum.golang.org is compromised or misconfigured; regenerate go.sum (go mod tidy) only if go.sum itself is wrong.`,
          ...noCache,
        ],
      };
    case 'unknown-revision':
    case 'invalid-version':
      return {
        cause: sentence(d.message),
        action: `Fix the requirement on ${module ?? 'the module'} in go.mod; re-running will not help.`,
        advice: [
          `${module ?? 'a module'}: the required version does not exist (a deleted or moved tag?). Fix the requirement in go.mod; retrying will not help.`,
          ...noCache,
        ],
      };
    case 'bad-go-mod':
      return {
        cause: sentence(d.message),
        action: 'Fix the malformed go.mod, for example with go mod tidy; re-running will not help.',
        advice: [
          `${module ? `${module} has a malformed go.mod` : 'A go.mod is malformed'}: fix it (go mod tidy); retrying will not help.`,
          ...noCache,
        ],
      };
    case 'not-found':
    case 'stale':
      return {
        cause: sentence(d.message),
        action: `If ${module ?? 'the module'} is private, list it in GOPRIVATE so it is fetched directly.`,
        advice: [
          `${module ?? 'a module'} was found neither behind the proxies nor direct: if it is private, list it in GOPRIVATE so the go command fetches it directly with credentials.`,
          ...noCache,
        ],
      };
  }
  return {
    ...everyFallbackFailed(report, warm),
    advice: [`Every fallback failed: ${warm.cause ?? d?.message ?? 'no complete module cache'}.`, ...noCache],
  };
}

/** No rung worked and the go command named nothing fatal: what failed, and when to re-run. */
function everyFallbackFailed(report: RunReport, warm: WarmReport): { cause: string; action: string } {
  const d = warm.diagnosis;
  const failing = unhealthy(report);
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
  const who = failing.length > 0 ? unhealthyUrls(report) : 'the proxies';
  const recovers = failing.length > 1 ? 'recover' : 'recovers';
  return {
    cause: `${problem}; ${directWords}${cache}.`,
    action:
      warm.cacheHit === 'none'
        ? `Re-run when ${who} ${recovers}; that run's saved module cache will carry the next outage.`
        : `Re-run when ${who} ${recovers}; the restored cache lacked modules this build needs.`,
  };
}

/** What to do about one proxy that is not healthy; `inChain`: whether the exported GOPROXY still lists it. */
export function proxyAdvice(p: ProxyHealth, inChain: boolean): string | undefined {
  if (p.verdict === 'healthy') return undefined;
  const fate = inChain ? 'it stays in GOPROXY only because no better proxy answered' : 'it was left out of GOPROXY';
  const why = p.failure?.message;
  switch (p.verdict) {
    case 'stale':
      return p.stale.length > 0
        ? `${p.url} served a stale list for ${firstFew(p.stale)}; ${fate}.`
        : `${p.url} is stale (${why ?? 'lacks required versions'}); ${fate}.`;
    case 'slow':
      return `${p.url} is slow, ${millis(p.latencyMs.p50)} at the median for a score of ${p.score.toFixed(2)}; ${fate}.`;
    case 'down':
      return `${p.url} ${proxyProblem(p)}; ${fate}.`;
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

/** A certificate close to its end (under the score's warning threshold), or past it. */
export function certAdvice(p: ProxyHealth, warnDays: number): string | undefined {
  if (p.tlsDaysLeft === null || p.tlsDaysLeft >= warnDays || p.failure?.code === 'tls-expired') return undefined;
  if (p.tlsDaysLeft <= 0) return `${p.url}'s certificate has expired.`;
  return `${p.url}'s certificate expires in ${p.tlsDaysLeft} day${p.tlsDaysLeft === 1 ? '' : 's'}: have it renewed before builds start failing.`;
}

function firstFew(items: string[], n = 5): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

/** The fact behind a gate decision; `short`: as it reads after "This step fails the job:". */
function gateFact(cause: GateCause, short: boolean): string {
  switch (cause.kind) {
    case 'never':
      return 'fail-on is never';
    case 'override':
      return `override ${cause.mode}: no proxy was probed`;
    case 'healthy-proxies':
      return cause.count > 0 ? `${cause.count} proxy(ies) reached min-score` : 'no proxy reached min-score';
    case 'verdict':
      return `verdict is ${cause.verdict}`;
    case 'module-cache':
      if (cause.state === 'complete') return 'module cache is complete';
      if (cause.state === 'not-warmed') return 'nothing was downloaded';
      return short ? 'the module cache is incomplete' : 'no rung of the ladder produced a complete module cache';
  }
}

/** The gate's reason in one line: "verdict is degraded (fail-on: degraded)", "module cache is complete". */
export function gateReason(failOn: FailOn, pass: boolean, cause: GateCause): string {
  const fact = gateFact(cause, false);
  return pass ? fact : `${fact} (fail-on: ${failOn})`;
}

/** Why the step fails the job, as it reads in a sentence: "verdict is degraded, as fail-on: degraded asks". */
export function gateWords(gate: GateDecision): string {
  return gate.pass ? gate.reason : `${gateFact(gate.cause, true)}, as fail-on: ${gate.failOn} asks`;
}

/** What the summary suggests about the gate: how to fail (or not fail) the job on this run. */
export function gateAdvice(gate: GateDecision, verdict: RunReport['verdict']): string | undefined {
  if (!gate.pass) return `This step fails the job: ${gateWords(gate)}. Set fail-on: never to report without failing.`;
  if (verdict !== 'healthy') return `The step did not fail the job: ${gate.reason}. Set fail-on: degraded to fail it on any degradation.`;
  return undefined;
}
