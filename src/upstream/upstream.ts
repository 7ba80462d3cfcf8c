import type { UpstreamStats } from '../model/serve-stats.js';
import type http from 'node:http';
import { ProxyEndpoint } from '../goproxy/endpoint.js';
import type { Credentials } from '../goproxy/goauth.js';
import { percentile } from '../model/percentile.js';

const USER_AGENT = 'go-proxy-guard (serve)';
/** Latencies kept per upstream for its p95: recent enough to follow a proxy that turns slow. */
const LATENCY_WINDOW = 64;

export interface UpstreamSpec {
  url: string;
  /** p95 of the probe's answers, the first hedge delay until the proxy's own answers say more. */
  p95Ms: number | null;
  /**
   * "|" after it in GOPROXY (fallback any-error, the default): any failure
   * may go on to the next upstream. "," (fallback not-found): only a 404/410.
   */
  fallBackOnError?: boolean;
}

/**
 * One upstream proxy: how it is reached (endpoint.ts: pools, trust, the
 * credentials the go command would send, redirects), its recent latencies,
 * and whether it is resting after failures or a 429.
 */
export class Upstream {
  readonly shown: string;
  readonly stats: UpstreamStats;
  readonly fallBackOnError: boolean;
  private readonly endpoint: ProxyEndpoint;
  private readonly latencies: number[] = [];
  private readonly seedP95: number | null;
  private consecutiveBad = 0;
  /** Asked after the others until this time (epoch ms): it failed or lagged repeatedly. */
  demotedUntil = 0;
  /** Not asked at all before this time: it answered 429/503 with Retry-After. */
  retryAfterUntil = 0;

  constructor(spec: UpstreamSpec, credentials: Credentials, env: NodeJS.ProcessEnv = process.env) {
    this.endpoint = new ProxyEndpoint(spec.url, credentials, env, USER_AGENT);
    this.shown = this.endpoint.shown;
    this.seedP95 = spec.p95Ms;
    this.fallBackOnError = spec.fallBackOnError ?? true;
    this.stats = {
      url: this.shown,
      requests: 0,
      retries: 0,
      hedgesSent: 0,
      hedgesWon: 0,
      served: 0,
      notFound: 0,
      failures: 0,
      absorbed: 0,
      bytes: 0,
      p50Ms: null,
      p95Ms: spec.p95Ms,
      failureKinds: {},
    };
  }

  /** Start a GET, following redirects as the go command does; the caller owns the response (and aborts through `signal`). */
  get(path: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    return this.endpoint.get(path, { signal });
  }

  /** Time to response headers of an answer that was used. */
  recordLatency(ms: number): void {
    this.latencies.push(ms);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
    this.stats.p50Ms = percentile(this.latencies, 50);
    this.stats.p95Ms = percentile(this.latencies, 95);
  }

  /** How long to wait for headers before asking the next upstream too. */
  hedgeDelay(floorMs: number, ceilingMs: number): number {
    const p95 = this.latencies.length >= 5 ? percentile(this.latencies, 95) : (this.seedP95 ?? percentile(this.latencies, 95));
    return Math.min(ceilingMs, Math.max(floorMs, p95 ?? ceilingMs));
  }

  /** The first failure of each kind, as it was told (one clean line): what a report names besides the count. */
  readonly firstFailures = new Map<string, string>();

  recordFailure(kind: string, message?: string): void {
    this.stats.failures++;
    this.stats.failureKinds[kind] = (this.stats.failureKinds[kind] ?? 0) + 1;
    if (message !== undefined && !this.firstFailures.has(kind)) this.firstFailures.set(kind, message);
  }

  /**
   * Count a bad turn (a failure, or a hedge race lost to the next upstream);
   * after `limit` in a row the upstream is demoted, so later requests start
   * with one that answers, and leads again after `restMs`.
   */
  strike(limit: number, restMs: number, now: number): boolean {
    this.consecutiveBad++;
    if (this.consecutiveBad < limit) return false;
    this.consecutiveBad = 0;
    this.demotedUntil = Math.max(this.demotedUntil, now + restMs);
    return true;
  }

  goodTurn(): void {
    this.consecutiveBad = 0;
  }

  waitUntil(untilMs: number): void {
    this.retryAfterUntil = Math.max(this.retryAfterUntil, untilMs);
  }

  close(): void {
    this.endpoint.close();
  }
}
