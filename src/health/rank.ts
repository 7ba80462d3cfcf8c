import type { Verdict, ProxyHealth, ProxyVerdict } from '../model/verdict.js';

/** Usable proxies first, then the ones that answer but should not be used, then the dead. */
const GROUP: Record<ProxyVerdict, number> = { healthy: 0, slow: 1, stale: 2, down: 3, broken: 4 };

/** Best first: verdict group, score, median latency, then the order the user gave. */
export function rankProxies(proxies: ProxyHealth[]): ProxyHealth[] {
  return proxies
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        GROUP[a.p.verdict] - GROUP[b.p.verdict] ||
        b.p.score - a.p.score ||
        (a.p.latencyMs.p50 ?? Infinity) - (b.p.latencyMs.p50 ?? Infinity) ||
        a.i - b.i,
    )
    .map(({ p }) => p);
}

/**
 * healthy: every candidate is usable; degraded: some are not but at least
 * one is; failed: none is.
 */
export function probeVerdict(ranked: ProxyHealth[]): Verdict {
  const healthy = ranked.filter((p) => p.verdict === 'healthy').length;
  if (healthy === 0) return 'failed';
  return healthy === ranked.length ? 'healthy' : 'degraded';
}
