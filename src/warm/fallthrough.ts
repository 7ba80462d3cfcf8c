import { classifyStatus, failure, type Failure } from '../diagnosis/failure.js';
import { withoutUserinfo } from '../goproxy/proxy-url.js';

/** A file one proxy of a "|" chain failed to give, that the go command then asked of the next. */
export interface Fallthrough {
  /** The proxy as it appears in the chain. */
  proxy: string;
  /** The file, below the proxy's base URL. */
  file: string;
  failure: Failure;
  /** The go command's own line for the failed request. */
  goMessage: string;
}

/** `# get <url>` (request) and `# get <url>: <answer>` (result), as `go -x` prints them. */
const GET = /^# get (\S+?)(?:: (.*))?$/;

/**
 * The go command falls through a "|" chain silently: a download that
 * succeeds may have met a proxy that reset, answered 503 or refused the
 * connection. `go -x` prints every request; a file asked of a later proxy
 * after an earlier one was asked for it is a file the earlier one failed.
 * Misses (404/410) are left out: falling through on them is what "," and
 * "|" are for, not a fault.
 */
export function findFallthroughs(stderr: string, chain: string[]): Fallthrough[] {
  const bases = chain.map((p) => withoutUserinfo(p).replace(/\/+$/, ''));
  const answers = new Map<string, string>();
  const asked: { proxy: number; file: string; url: string }[] = [];
  for (const line of stderr.split('\n')) {
    const m = GET.exec(line.trim());
    if (!m?.[1]) continue;
    const url = withoutUserinfo(m[1]);
    const i = bases.findIndex((b) => url.toLowerCase().startsWith(`${b.toLowerCase()}/`));
    if (i < 0) continue;
    if (m[2] === undefined) asked.push({ proxy: i, file: url.slice((bases[i] as string).length + 1), url });
    else answers.set(url, m[2]);
  }
  const out: Fallthrough[] = [];
  for (const a of asked) {
    if (out.some((o) => o.proxy === chain[a.proxy])) continue;
    if (!asked.some((b) => b.file === a.file && b.proxy > a.proxy)) continue;
    const answer = answers.get(a.url) ?? '';
    const f = failureOf(answer);
    if (f.class === 'proxy-miss') continue;
    out.push({ proxy: chain[a.proxy] as string, file: a.file, failure: f, goMessage: `# get ${a.url}: ${answer || '(no answer)'}` });
  }
  return out;
}

/** The chain's proxy whose `200` answer gave the last `.zip` go fetched (`# get <url>: 200 OK`), if any. */
export function zipAnsweredBy(stderr: string, chain: string[]): string | undefined {
  const bases = chain.map((p) => withoutUserinfo(p).replace(/\/+$/, '').toLowerCase());
  let from: string | undefined;
  for (const line of stderr.split('\n')) {
    const m = GET.exec(line.trim());
    if (!m?.[1] || !m[1].endsWith('.zip') || !m[2]?.startsWith('200')) continue;
    const url = withoutUserinfo(m[1]).toLowerCase();
    const i = bases.findIndex((b) => url.startsWith(`${b}/`));
    if (i >= 0) from = chain[i];
  }
  return from;
}

/** What the go command's answer line says went wrong with a request it then asked elsewhere. */
function failureOf(answer: string): Failure {
  const status = /^(\d{3})\b/.exec(answer);
  if (status) {
    const code = Number(status[1]);
    // It answered, then the body broke off: a reset or an early end.
    if (code >= 200 && code < 300) return failure('reset', `the answer ended mid-body after ${answer.replace(/\s*\(.*\)$/, '')}`);
    return classifyStatus(code);
  }
  if (/connection refused/i.test(answer)) return failure('refused', 'connection refused');
  if (/no such host|lookup/i.test(answer)) return failure('dns', 'host not found');
  if (/x509: certificate has expired/i.test(answer)) return failure('tls-expired', 'certificate has expired');
  if (/x509:|certificate/i.test(answer)) return failure('tls-untrusted', 'TLS certificate not trusted');
  if (/timeout|deadline/i.test(answer)) return failure('timeout', 'timed out');
  if (/reset|EOF|broken pipe/i.test(answer)) return failure('reset', 'connection reset');
  return failure('other', answer ? answer.slice(0, 200) : 'no answer');
}
