import type { Failure } from './failure.js';

/** What the cause needs to know of each proxy (its URL already masked). */
export interface ProxyTried {
  url: string;
  verdict: string;
  failure?: Failure;
  warmFailure?: Failure;
  /** Answers by HTTP status or failure code, as the probe counted them. */
  statuses: Record<string, number>;
}

/** What a rung of the ladder did (RungRecord, loosely). */
export interface RungTried {
  step: string;
  outcome: string;
  reason: string;
}

/**
 * One line saying why no rung produced the module cache: what was tried and
 * what each answered, e.g. "proxies: https://a down (HTTP 503 x9); direct
 * was off (direct: false); no CI cache entry was restored; no vendor/".
 * Never a guess ("unreachable") where the answers say something else.
 */
export function explainLadderFailure(opts: {
  proxies: ProxyTried[];
  rungs: RungTried[];
  /** Why direct was not tried, when it was not. */
  directOff?: string;
}): string {
  const parts: string[] = [];
  parts.push(opts.proxies.length === 0 ? 'no proxy was configured' : `proxies: ${opts.proxies.map(proxyAnswer).join('; ')}`);
  const downloads = opts.rungs.filter((r) => (r.step === 'proxy' || r.step === 'retry') && r.outcome === 'failed');
  const lastDownload = downloads[downloads.length - 1];
  if (lastDownload)
    parts.push(
      `${downloads.length} ${downloads.length === 1 ? 'download' : 'downloads'} through them failed, the last with: ${firstLine(lastDownload.reason)}`,
    );
  const direct = opts.rungs.find((r) => r.step === 'direct');
  if (!direct || direct.outcome === 'skipped') parts.push(`direct was off (${opts.directOff ?? 'direct: false'})`);
  else if (direct.outcome === 'failed') parts.push(`direct failed: ${direct.reason}`);
  const cache = opts.rungs.find((r) => r.step === 'cache');
  if (cache?.outcome === 'failed') parts.push(`the restored CI cache failed: ${firstLine(cache.reason)}`);
  else if (cache?.outcome === 'skipped' || !cache) parts.push('no CI cache entry was restored');
  const vendor = opts.rungs.find((r) => r.step === 'vendor');
  if (vendor?.outcome === 'failed') parts.push(`vendor/ is unusable: ${firstLine(vendor.reason)}`);
  else if (vendor?.outcome === 'skipped') parts.push(vendor.reason === 'no vendor/' ? 'no vendor/' : `vendor/ not used (${vendor.reason})`);
  return parts.join('; ');
}

function proxyAnswer(p: ProxyTried): string {
  if (p.warmFailure) return `${p.url} failed while warming (${p.warmFailure.message})`;
  const answers = Object.entries(p.statuses)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${/^\d+$/.test(k) ? `HTTP ${k}` : k} x${n}`)
    .join(', ');
  const why = p.failure && !/^HTTP \d+$/.test(p.failure.message) ? `${p.failure.message}; ` : '';
  return `${p.url} ${p.verdict} (${why}${answers || 'no answer'})`;
}

const firstLine = (s: string): string => s.split('\n')[0] ?? '';
