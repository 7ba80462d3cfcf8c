import { oneLine } from './untrusted-text.js';

/**
 * What went wrong, and therefore what to do about it (docs/ladder-and-caches.md):
 * - transient: retry, then move on;
 * - proxy-miss: 404/410 or a stale mirror: next proxy, no retry;
 * - proxy-broken: bad TLS, malformed answers: next proxy, mark unhealthy;
 * - fatal: the dependency itself is wrong: stop, never retried into silence.
 */
export type FailureClass = 'transient' | 'proxy-miss' | 'proxy-broken' | 'fatal';

export const FAILURE_CODES = {
  timeout: 'transient',
  reset: 'transient',
  refused: 'transient',
  dns: 'transient',
  'http-5xx': 'transient',
  'rate-limited': 'transient',
  'not-found': 'proxy-miss',
  stale: 'proxy-miss',
  unauthorized: 'proxy-broken',
  html: 'proxy-broken',
  malformed: 'proxy-broken',
  'version-mismatch': 'proxy-broken',
  'corrupt-zip': 'proxy-broken',
  'tls-expired': 'proxy-broken',
  'tls-untrusted': 'proxy-broken',
  'tls-error': 'proxy-broken',
  /** Credentials in a plain-http proxy URL: refused, as the go command refuses them. */
  'insecure-credentials': 'proxy-broken',
  /** A redirect the go command would not follow (https to http, too many hops). */
  'bad-redirect': 'proxy-broken',
  /** An answer larger than the go command accepts for its kind. */
  'too-large': 'proxy-broken',
  'checksum-mismatch': 'fatal',
  'unknown-revision': 'fatal',
  'invalid-version': 'fatal',
  'bad-go-mod': 'fatal',
  other: 'transient',
} as const satisfies Record<string, FailureClass>;

export type FailureCode = keyof typeof FAILURE_CODES;

/** How much a failure says against a proxy, least first: a miss, a passing fault, a broken answer, an altered file. */
const GRAVITY: Record<FailureClass, number> = { 'proxy-miss': 0, transient: 1, 'proxy-broken': 2, fatal: 3 };
export const gravity = (c: FailureClass): number => GRAVITY[c];

export interface Failure {
  code: FailureCode;
  class: FailureClass;
  message: string;
}

/** A failure's message often quotes the network (a version, an error body): it is always one clean line. */
export function failure(code: FailureCode, message: string): Failure {
  return { code, class: FAILURE_CODES[code], message: oneLine(message) };
}

/** Map a Node network/TLS error to a failure. */
export function classifyNetworkError(err: unknown): Failure {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  const message = e?.message ?? String(err);
  if (code === 'INSECURE_CREDENTIALS') return failure('insecure-credentials', message);
  if (code === 'BAD_REDIRECT') return failure('bad-redirect', message);
  if (code === 'TOO_LARGE') return failure('too-large', message);
  if (code === 'CERT_HAS_EXPIRED') return failure('tls-expired', 'certificate has expired');
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(code)) {
    return failure('tls-untrusted', `certificate not trusted (${code})`);
  }
  if (code === 'ECONNREFUSED') return failure('refused', 'connection refused');
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|aborted/i.test(message)) {
    return failure('reset', 'connection reset');
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return failure('dns', `host not found (${code})`);
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return failure('timeout', 'timed out');
  if (/^ERR_TLS|^ERR_SSL|EPROTO/.test(code)) return failure('tls-error', `TLS error (${code})`);
  return failure('other', message);
}

/**
 * Map an HTTP status that is not a success. The one rule for "transient" on
 * HTTP: 408, 429 and 5xx are worth another try (the go command treats 408 as
 * the timeout it is); anything else will not get better by asking again.
 */
export function classifyStatus(status: number): Failure {
  if (status === 404 || status === 410) return failure('not-found', `HTTP ${status}`);
  if (status === 408) return failure('timeout', 'HTTP 408 (request timeout)');
  if (status === 429) return failure('rate-limited', 'HTTP 429 (rate limited)');
  if (status === 401 || status === 403) return failure('unauthorized', `HTTP ${status} (credentials refused)`);
  if (status >= 500) return failure('http-5xx', `HTTP ${status}`);
  return failure('malformed', `unexpected HTTP ${status}`);
}

/** Whether an HTTP status is worth another try, by the rule of {@link classifyStatus}. */
export function isTransientStatus(status: number): boolean {
  return classifyStatus(status).class === 'transient';
}
