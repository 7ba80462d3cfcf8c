import type { ProxyHealth, ProxyVerdict } from '../model/verdict.js';
import { failure, type Failure } from '../diagnosis/failure.js';
import { percentile } from '../model/percentile.js';
import type { ProbeResult } from '../probe/probe-proxy.js';
import { scoreProxy } from './score.js';
import type { ScoreModel } from '../model/score.js';

export function assessProxy(probe: ProbeResult, model: ScoreModel, minScore: number): ProxyHealth {
  const ok = probe.outcomes.filter((o) => o.ok);
  // Only measured requests count: one the deadline cut off says nothing about the proxy.
  const successRate = probe.outcomes.length === 0 ? 0 : ok.length / probe.outcomes.length;
  const latencies = ok.map((o) => o.ms);
  const statuses: Record<string, number> = {};
  for (const o of probe.outcomes) {
    const key = o.status !== undefined ? String(o.status) : (o.failure?.code ?? 'none');
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const tlsDaysLeft = probe.tls ? probe.tls.daysLeft : null;
  const p50 = percentile(latencies, 50);
  const score = scoreProxy({ successRate, latencyP50Ms: p50, tlsDaysLeft }, model);
  // Nothing measured at all: a proxy that answered nothing within the deadline.
  const failure = dominantFailure(probe) ?? (probe.outcomes.length === 0 ? silentFailure(probe) : undefined);
  let verdict: ProxyVerdict;
  if (failure?.class === 'proxy-broken') verdict = 'broken';
  else if (probe.stale.length > 0) verdict = 'stale';
  // The published weights let a fast proxy that fails most requests still reach 0.5;
  // a success rate at or below the floor is a failing proxy whatever its score.
  else if (ok.length === 0 || successRate <= model.successFloor) verdict = 'down';
  else if (score.value < minScore) verdict = 'slow';
  else verdict = 'healthy';
  return {
    url: probe.url,
    // A proxy that cannot be used scores 0, so no weighting can rank it above a working one.
    score: verdict === 'broken' || (verdict === 'down' && ok.length === 0) ? 0 : score.value,
    parts: score.parts,
    latencyMs: { p50, p95: percentile(latencies, 95) },
    successRate: Math.round(successRate * 1000) / 1000,
    requests: probe.outcomes.length,
    notMeasured: probe.notMeasured,
    notWaitedFor: probe.notWaitedFor,
    statuses,
    tlsDaysLeft,
    verdict,
    failure: verdict === 'healthy' && !failure ? undefined : (failure ?? slowFailure(p50)),
    stale: probe.stale,
    probeMs: Math.round(probe.durationMs),
  };
}

/** Broken beats stale beats the most frequent other failure: the reason a reader needs first. */
function dominantFailure(probe: ProbeResult): Failure | undefined {
  const failures = probe.outcomes.flatMap((o) => (o.failure ? [o.failure] : []));
  const broken = failures.find((f) => f.class === 'proxy-broken');
  if (broken) return broken;
  const stale = failures.find((f) => f.code === 'stale');
  if (stale) return stale;
  const counts = new Map<string, { f: Failure; n: number }>();
  for (const f of failures) {
    const c = counts.get(f.code) ?? { f, n: 0 };
    c.n++;
    counts.set(f.code, c);
  }
  const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  if (!top) return undefined;
  return failures.length === probe.outcomes.length
    ? top.f
    : { ...top.f, message: `${top.f.message} (${failures.length} of ${probe.outcomes.length} requests failed)` };
}

function silentFailure(probe: ProbeResult): Failure {
  return failure('timeout', `no answer within ${Math.round(probe.durationMs)} ms`);
}

function slowFailure(p50: number | null): Failure | undefined {
  return p50 === null ? undefined : { code: 'timeout', class: 'transient', message: `slow: median ${p50} ms` };
}

/**
 * The probe reads only the start of one zip: a proxy can pass it and then
 * reset, end early or serve a zip that fails go.sum while the warm
 * downloads. Its entry carries that failure, and its verdict falls to what
 * the failure says it is.
 */
export function withWarmFailure(p: ProxyHealth, f: Failure): ProxyHealth {
  const verdict: ProxyVerdict = f.class === 'proxy-broken' || f.class === 'fatal' ? 'broken' : f.class === 'proxy-miss' ? 'stale' : 'down';
  const worse = VERDICT_ORDER.indexOf(verdict) > VERDICT_ORDER.indexOf(p.verdict);
  const warmFailure: Failure = { code: f.code, class: f.class, message: `while warming: ${f.message}` };
  return { ...p, warmFailure, verdict: worse ? verdict : p.verdict, failure: worse ? warmFailure : (p.failure ?? warmFailure) };
}

const VERDICT_ORDER: ProxyVerdict[] = ['healthy', 'slow', 'stale', 'down', 'broken'];
