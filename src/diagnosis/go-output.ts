import { failure, type Failure, type FailureClass } from './failure.js';
import { oneLine } from './untrusted-text.js';

/** What one failed go invocation says, read from its own words. */
export interface GoDiagnosis extends Failure {
  /** module@version the go command named, when it named one. */
  module?: string;
  /** The proxy URL the failing request went to, when the go command printed it. */
  url?: string;
  /** The go command's own line (it may quote an upstream's body): one clean line, masked later. */
  goMessage: string;
  /** go was killed at download-timeout: it stalled, it did not fail. */
  killed?: boolean;
}

interface Rule {
  test: RegExp;
  code: Parameters<typeof failure>[0];
  message: string;
}

/** Ordered by how much they matter: the first rule that matches a line classifies it. */
const RULES: Rule[] = [
  { test: /SECURITY ERROR|checksum mismatch/i, code: 'checksum-mismatch', message: 'checksum mismatch against go.sum' },
  // A proxy's 404/410 is a miss even when its body says "unknown revision": a lagging mirror, not a missing version.
  { test: /reading https?:\/\/\S+: (404|410)\b/i, code: 'not-found', message: 'not found on the proxies' },
  {
    test: /unknown revision|no matching versions|invalid version|invalid pseudo-version|malformed module path|invalid module path/i,
    code: 'unknown-revision',
    message: 'the required version does not exist',
  },
  {
    test: /errors parsing go\.mod|parsing go\.mod|go\.mod:\d+:|unexpected module path|module declares its path as/i,
    code: 'bad-go-mod',
    message: 'malformed go.mod',
  },
  { test: /x509: certificate has expired/i, code: 'tls-expired', message: 'certificate has expired' },
  { test: /x509:|certificate signed by unknown authority|tls: /i, code: 'tls-untrusted', message: 'TLS certificate not trusted' },
  {
    test: /zip: not a valid zip file|zip: checksum error|zip: unsupported|unexpected file in zip|malformed file path/i,
    code: 'corrupt-zip',
    message: 'corrupt module zip',
  },
  { test: /\b429\b|Too Many Requests/i, code: 'rate-limited', message: 'rate limited (HTTP 429)' },
  {
    test: /\b5\d\d\b [A-Z]|Service Unavailable|Bad Gateway|Internal Server Error|Gateway Timeout/i,
    code: 'http-5xx',
    message: 'server error (HTTP 5xx)',
  },
  { test: /stream error|INTERNAL_ERROR|connection reset|unexpected EOF|broken pipe|GOAWAY/i, code: 'reset', message: 'connection reset' },
  {
    test: /TLS handshake timeout|i\/o timeout|Client\.Timeout|context deadline exceeded|timed out|timeout awaiting/i,
    code: 'timeout',
    message: 'timed out',
  },
  { test: /connection refused/i, code: 'refused', message: 'connection refused' },
  { test: /no such host|network is unreachable|server misbehaving|dial tcp: lookup/i, code: 'dns', message: 'host unreachable' },
  {
    test: /\b(404|410)\b|not found|module lookup disabled by GOPROXY=off|cannot find module providing/i,
    code: 'not-found',
    message: 'not found',
  },
  { test: /HTML|text\/html|unexpected content/i, code: 'malformed', message: 'malformed answer' },
];

const SEVERITY: Record<FailureClass, number> = { fatal: 3, 'proxy-broken': 2, 'proxy-miss': 1, transient: 0 };

/**
 * Classify a failed `go mod download`: the most severe line wins, so a
 * checksum mismatch is never mistaken for the network flake printed next to it.
 */
export function diagnoseGo(stderr: string, jsonErrors: string[], opts: { timedOut: boolean; timeoutMs: number }): GoDiagnosis {
  if (opts.timedOut) {
    return { ...failure('timeout', `go gave no result within ${opts.timeoutMs} ms (killed)`), goMessage: lastError(stderr), killed: true };
  }
  const lines = [...jsonErrors, ...errorBlocks(stderr)].map((line) => oneLine(line));
  let best: GoDiagnosis | undefined;
  for (const line of lines) {
    const rule = RULES.find((r) => r.test.test(line));
    if (!rule) continue;
    const f = failure(rule.code, rule.message);
    if (best && SEVERITY[best.class] >= SEVERITY[f.class]) continue;
    const module = moduleNamed(line);
    best = { ...f, message: module ? `${module}: ${rule.message}` : rule.message, module, url: urlNamed(line), goMessage: line };
  }
  const last = lines.at(-1) ?? '';
  return best ?? { ...failure('other', last || 'go mod download failed'), goMessage: last };
}

/** The go command indents the rest of an error with a tab: keep each error in one piece. */
function errorBlocks(stderr: string): string[] {
  const blocks: string[] = [];
  for (const line of stderr.split('\n')) {
    if (/^\s/.test(line) && blocks.length > 0) blocks[blocks.length - 1] += ` ${line.trim()}`;
    else if (line.trim()) blocks.push(line.trim());
  }
  return blocks;
}

/** `go: example.com/a@v1.0.0: ...` or `verifying example.com/a@v1.0.0: ...`. */
export function moduleNamed(line: string): string | undefined {
  const m = /(?:^|\s|:)([A-Za-z0-9][\w.~!-]*(?:\/[\w.~!+-]+)*@v[\w.+-]+?)(?:\/go\.mod)?:/.exec(line);
  return m?.[1];
}

function urlNamed(line: string): string | undefined {
  return /(https?:\/\/[^\s"']+)/.exec(line)?.[1];
}

/** The go command's last error, in one piece and on one line. */
function lastError(stderr: string): string {
  return oneLine(errorBlocks(stderr).at(-1) ?? '');
}
