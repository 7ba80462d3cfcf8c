/**
 * Kept histories made up for status page sizes and pictures: hourly runs of
 * a few proxies with outages, slow spells and latency that wanders, from a
 * seeded generator so every run of a benchmark draws the same page. The real
 * history for tests comes from the bundle run against lab proxies; this is
 * for what a lab cannot wait for (a week, 500 runs of 10 proxies).
 */
import { statusFromHistory, type StatusDocument } from '../../src/history/status.js';
import type { ProxyVerdict, Verdict } from '../../src/model/verdict.js';
import type { ProxyRecord, RunRecord } from '../../src/state/guard-state.js';

/** mulberry32: small, fast, good enough to scatter outages. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticProxy {
  url: string;
  /** Typical median latency. */
  latencyMs: number;
  /** Chance that an outage starts at a given healthy run. */
  outageRate: number;
  /** Runs an outage lasts, at most. */
  outageRuns: number;
  /** Chance of a slow run. */
  slowRate?: number;
  /** Runs (counted from the newest, 0 = newest) where it is down whatever the dice say. */
  downAt?: number[];
}

export interface SyntheticOptions {
  runs: number;
  proxies: SyntheticProxy[];
  /** When the newest run was. */
  end: Date;
  intervalMs?: number;
  seed?: number;
  /** Every other run down for every proxy: the largest page history can make. */
  flapping?: boolean;
}

export function syntheticHistory(o: SyntheticOptions): RunRecord[] {
  const rnd = random(o.seed ?? 42);
  const interval = o.intervalMs ?? 3_600_000;
  const outageLeft = o.proxies.map(() => 0);
  const runs: RunRecord[] = [];
  for (let i = 0; i < o.runs; i++) {
    const fromNewest = o.runs - 1 - i;
    const at = new Date(o.end.getTime() - fromNewest * interval + Math.round((rnd() - 0.5) * 60_000));
    const proxies = o.proxies.map((p, k): ProxyRecord => {
      if (outageLeft[k]! > 0) outageLeft[k]!--;
      else if (rnd() < p.outageRate) outageLeft[k] = 1 + Math.floor(rnd() * p.outageRuns);
      const forced = p.downAt?.includes(fromNewest) ?? false;
      const down = o.flapping ? i % 2 === 1 : forced || outageLeft[k]! > 0;
      const slow = !down && rnd() < (p.slowRate ?? 0);
      const verdict: ProxyVerdict = down ? (rnd() < 0.8 ? 'down' : 'broken') : slow ? 'slow' : 'healthy';
      const latency = down ? null : Math.round(p.latencyMs * (0.7 + rnd() * 0.6) * (slow ? 6 : 1) * (1 + 0.3 * Math.sin(i / 9)));
      const latencyPart = latency === null ? 0 : Math.round(1000 / (1 + Math.exp((latency - 500) / 250))) / 1000;
      return {
        url: p.url,
        verdict,
        score: down ? 0 : Math.round((0.4 + 0.35 * latencyPart + 0.25) * 1000) / 1000,
        latencyP50Ms: latency,
        successRate: down ? 0 : 1,
        parts: { success: down ? 0 : 1, latency: latencyPart, cert: 1 },
      };
    });
    const healthy = proxies.filter((p) => p.verdict === 'healthy').length;
    const verdict: Verdict = healthy === proxies.length ? 'healthy' : healthy > 0 ? 'degraded' : 'failed';
    runs.push({ at: at.toISOString(), runId: String(9_000_000_000 + i), verdict, proxies });
  }
  return runs;
}

/** The status document a scheduled check would publish after these runs, with a link to its run. */
export function syntheticStatus(history: RunRecord[], extra: Partial<StatusDocument> = {}): StatusDocument {
  const doc = statusFromHistory({ history }, { repository: 'acme/payments', workflow: 'proxy-health' });
  return { ...doc, runUrl: `https://github.com/acme/payments/actions/runs/${doc.runId}`, ...extra };
}

/** Ten proxies for the size benchmark: public mirrors and corporate ones, each with its habits. */
export const TEN_PROXIES: SyntheticProxy[] = [
  { url: 'https://proxy.golang.org', latencyMs: 45, outageRate: 0.004, outageRuns: 3 },
  { url: 'https://goproxy.io', latencyMs: 180, outageRate: 0.02, outageRuns: 6, slowRate: 0.03 },
  { url: 'https://goproxy.cn', latencyMs: 220, outageRate: 0.015, outageRuns: 8, slowRate: 0.05 },
  { url: 'https://mirrors.aliyun.com/goproxy', latencyMs: 260, outageRate: 0.01, outageRuns: 4, slowRate: 0.02 },
  { url: 'https://goproxy.corp.example', latencyMs: 12, outageRate: 0.006, outageRuns: 2 },
  { url: 'https://athens.build.example:3000', latencyMs: 25, outageRate: 0.03, outageRuns: 3, slowRate: 0.04 },
  { url: 'https://artifactory.example/api/go/golang', latencyMs: 90, outageRate: 0.008, outageRuns: 10 },
  { url: 'https://nexus.example/repository/go-proxy', latencyMs: 120, outageRate: 0.012, outageRuns: 5, slowRate: 0.02 },
  { url: 'https://goproxy.eu.example', latencyMs: 70, outageRate: 0.005, outageRuns: 2 },
  { url: 'https://goproxy.ap.example', latencyMs: 310, outageRate: 0.02, outageRuns: 4, slowRate: 0.06 },
];
