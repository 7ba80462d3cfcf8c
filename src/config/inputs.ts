/**
 * The public contract: every input and output name, with its default and
 * meaning, in one place. action.yml and the GitLab template mirror this
 * table (a test keeps them in step).
 */

export interface InputSpec {
  default: string;
  description: string;
}

export const INPUTS = {
  proxies: {
    default: '',
    description:
      'Candidate proxies, newline- or comma-separated URLs (a bare host gets https://) or presets: preset:china (goproxy.cn, goproxy.io, mirrors.aliyun.com/goproxy), preset:golang, preset:public (all four). Empty: the entries of `go env GOPROXY` plus proxy.golang.org, no other mirror.',
  },
  'working-directory': { default: '.', description: 'Where go.mod or go.work is.' },
  'probe-timeout': { default: '3s', description: "Deadline for one proxy's whole probe (2500ms, 3s, 1m)." },
  'probe-samples': { default: '3', description: 'Repeated requests per proxy, for the success rate and latency spread (1-20).' },
  'probe-modules': { default: '3', description: 'How many of the required modules each proxy is asked for (1-50).' },
  'min-score': { default: '0.5', description: 'Proxies scoring below this (0..1) are left out of the exported chain.' },
  fallback: {
    default: 'any-error',
    description: 'How the chain falls through: any-error joins with "|", not-found joins with "," (only on 404/410).',
  },
  direct: { default: 'true', description: 'End the chain with direct.' },
  'fail-on': {
    default: 'download-failure',
    description:
      'When the step fails: download-failure (no complete module cache), unhealthy (no proxy reaches min-score), degraded (anything less than healthy), never.',
  },
  'score-weights': {
    default: 'success=0.40,latency=0.35,cert=0.25',
    description: 'Weights of the health score parts.',
  },
  'score-thresholds': {
    default: 'success-floor=0.80,success-full=0.95,latency-mid=500ms,latency-max=2000ms,cert-critical=7,cert-warn=30',
    description: 'Thresholds of the health score parts (certificate thresholds in days).',
  },
  prewarm: { default: 'true', description: 'Download the whole build list into GOMODCACHE down the degradation ladder.' },
  retries: { default: '3', description: 'Retries of transient download failures (0-10).' },
  'retry-backoff': { default: '1s', description: 'First retry delay; doubles each retry, with jitter, capped at 32s.' },
  'prefetch-concurrency': {
    default: '32',
    description:
      'Files fetched at once (0-128) when every .mod, .zip and .info that go.sum names is prefetched through the ranked chain before go mod download (each checked against go.sum on arrival); 0 turns the prefetch off.',
  },
  'download-timeout': { default: '5m', description: 'Hard limit for one go invocation; a stalled download is killed.' },
  cache: { default: 'true', description: 'Restore and save GOMODCACHE/cache/download with the CI cache.' },
  'cache-key-prefix': { default: 'go-proxy-guard', description: 'Prefix of the cache key (prefix-OS-arch-hash of every go.sum).' },
  'vendor-fallback': { default: 'true', description: 'Fall back to a consistent vendor/ (exports GOFLAGS=-mod=vendor).' },
  'save-cache': {
    default: 'auto',
    description:
      'auto: save on success, not after an exact hit, not for release events; always; never. pull_request_target, workflow_run and issue_comment events never save, whatever this says.',
  },
  'build-cache': {
    default: 'true',
    description:
      'Restore and save the build cache (GOCACHE) with the CI cache, keyed like the module cache plus the Go version; the post step saves the entries this job used, and small restored ones (vet facts, test results) a later job may want again, within a tenth of the used bytes. false: GOCACHE is left alone.',
  },
  'webhook-url': {
    default: '',
    description: 'Chat webhook URL(s) for alerts, newline-separated. Treated as secrets.',
  },
  'slack-webhook-url': { default: '', description: 'Shorthand for a Slack incoming webhook (webhook-format slack).' },
  'webhook-format': {
    default: 'slack',
    description: 'Payload format of webhook-url: slack, discord, teams, dingtalk, feishu, wecom or json.',
  },
  'webhook-secret': { default: '', description: 'Signing secret for DingTalk and Feishu robots.' },
  'alert-on': {
    default: 'degraded',
    description: 'When to alert: degraded (degraded or failed), failed, always, never. A recovery is sent once after an alert.',
  },
  'alert-cooldown': { default: '1h', description: 'The same condition is not re-sent within this time, across runs.' },
  'alert-silence': {
    default: '',
    description:
      'Silence windows, one per line: absolute (2026-12-01T02:00Z/2026-12-01T04:00Z) or weekly in UTC (Sat 02:00-04:00 UTC; an end before the start crosses midnight), optionally scoped with proxy=<host>. Alerts they cover are not sent (verdict and gate unchanged); a condition still failing when the window ends is sent once.',
  },
  'history-size': { default: '50', description: 'How many runs of health history to keep (1-500).' },
  'status-page': {
    default: 'false',
    description:
      'Also write status.html beside status.json: one self-contained page (verdict and since when, each proxy with its score, a chart per proxy over the kept runs, outages, MTTR) that requests nothing when viewed, for GitHub Pages, GitLab Pages or a file.',
  },
  serve: {
    default: 'true',
    description:
      'Run a local GOPROXY on 127.0.0.1 for the rest of the job, in front of the ranked chain: every later go command gets deadlines, retries, hedging and answers checked before use. GOPROXY becomes http://127.0.0.1:<port>|<chain>, so go falls through to the chain if it ever stops.',
  },
  'serve-idle-timeout': {
    default: '1h',
    description: 'Stop the local proxy after this long without a request; it also stops when the job ends.',
  },
  override: {
    default: '',
    description:
      'Emergency switch: proxy URLs to use instead of the configured ones, direct, or off (CI cache and vendor/ only). Empty: the GO_PROXY_GUARD_OVERRIDE environment variable (on GitHub pass vars.GO_PROXY_GUARD_OVERRIDE here or through env). Shown loudly in the log, summary and alerts.',
  },
  'serve-request-timeout': {
    default: '60s',
    description:
      'The most one go command request may take through the local proxy, every retry, hedge and byte of the body included; when it runs out the next upstream is tried or the go command gets a 502.',
  },
  'metrics-file': {
    default: '',
    description: 'Write per-run figures here: a path ending in .csv (CSV) or anything else (OpenMetrics text).',
  },
} as const satisfies Record<string, InputSpec>;

export type InputName = keyof typeof INPUTS;

export const OUTPUTS = {
  goproxy: 'The ranked GOPROXY chain (credentials masked), without the local proxy: usable on other machines.',
  'local-proxy': 'URL of the local proxy (serve), empty when it is not running.',
  'best-proxy': 'The best-ranked proxy (credentials masked), empty when none is healthy.',
  'healthy-count': 'How many candidates reached min-score.',
  verdict: 'healthy, degraded or failed.',
  report: 'Path of the JSON report.',
  'cache-hit': 'exact, partial or none.',
  'ladder-step': 'The rung that produced the module cache: proxy, retry, direct, cache, vendor or failed.',
  modules: 'How many modules were downloaded over the network.',
  'download-ms': 'Milliseconds spent warming the module cache.',
  status: 'Path of the JSON status document (verdict, trend, time since the last failure and MTTR per proxy).',
  'status-page': 'Path of the HTML status page (status.html beside status.json) when status-page is true, else empty.',
  'build-cache-hit': 'The build cache (GOCACHE): exact, partial or none.',
  'docker-build-args':
    'GOPROXY (the chain of the goproxy output, never the local proxy) and GOFLAGS as KEY=value lines for the build-args of docker build, without credentials: the login of a private proxy goes in as a BuildKit secret.',
} as const satisfies Record<string, string>;

export type OutputName = keyof typeof OUTPUTS;

/** Values a caller may pass for an input; absent or empty means "use the default". */
export type RawInputs = (name: InputName) => string | undefined;

export function withDefaults(read: RawInputs): (name: InputName) => string {
  return (name) => {
    const v = read(name);
    return v === undefined || v.trim() === '' ? INPUTS[name].default : v;
  };
}
