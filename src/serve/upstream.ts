import { HttpClient } from '@actions/http-client';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import http from 'node:http';
import https from 'node:https';
import { netrcFor, type NetrcEntry } from '../goproxy/netrc.js';
import { withoutUserinfo } from '../goproxy/proxy-url.js';
import { percentile } from '../health/proxy-health.js';
import { trustedRoots } from '../probe/trust.js';
import { redactUrl } from '../secrets/secrets.js';

const USER_AGENT = 'go-proxy-guard (serve)';
/** Latencies kept per upstream for its p95: recent enough to follow a proxy that turns slow. */
const LATENCY_WINDOW = 64;

export interface UpstreamSpec {
  url: string;
  /** p95 of the probe's answers, the first hedge delay until the proxy's own answers say more. */
  p95Ms: number | null;
}

/** What one upstream did for the go command, for the summary and the JSON report. */
export interface UpstreamStats {
  url: string;
  requests: number;
  retries: number;
  hedgesSent: number;
  hedgesWon: number;
  /** Answers handed to the go command. */
  served: number;
  notFound: number;
  failures: number;
  /** Failures the go command never saw: another attempt answered for them. */
  absorbed: number;
  bytes: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Failure messages by count, most frequent first in reports. */
  failureKinds: Record<string, number>;
}

/**
 * One upstream proxy: its connection pool (HTTP(S)_PROXY honoured, go's
 * roots trusted, the credentials the go command would send), its recent
 * latencies, and whether it is resting after failures or a 429.
 */
export class Upstream {
  readonly shown: string;
  readonly stats: UpstreamStats;
  private readonly base: string;
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string> = { 'user-agent': USER_AGENT };
  private readonly latencies: number[] = [];
  private readonly seedP95: number | null;
  private consecutiveBad = 0;
  /** Asked after the others until this time (epoch ms): it failed or lagged repeatedly. */
  demotedUntil = 0;
  /** Not asked at all before this time: it answered 429/503 with Retry-After. */
  retryAfterUntil = 0;

  constructor(spec: UpstreamSpec, netrc: NetrcEntry[], env: NodeJS.ProcessEnv = process.env) {
    const u = new URL(spec.url);
    const entry = u.username ? undefined : netrcFor(netrc, u.hostname);
    const user = u.username ? decodeURIComponent(u.username) : entry?.login;
    const pass = u.username ? decodeURIComponent(u.password) : entry?.password;
    if (user !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`;
    this.base = withoutUserinfo(spec.url).replace(/\/+$/, '');
    this.shown = redactUrl(spec.url).replace(/\/+$/, '');
    this.seedP95 = spec.p95Ms;
    // The toolkit picks the agent (a tunnel through HTTPS_PROXY when NO_PROXY does not exempt the host).
    const client = new HttpClient(USER_AGENT, [], { keepAlive: true, allowRetries: false });
    this.agent = client.getAgent(this.base) as http.Agent;
    if (this.base.startsWith('https:') && !getProxyUrl(new URL(this.base))) {
      const a = this.agent as http.Agent & { options: Record<string, unknown> };
      a.options = { ...a.options, ca: trustedRoots(env) };
    }
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

  /** Start a GET; the caller owns the response (and aborts through `signal`). */
  get(path: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    const url = new URL(`${this.base}/${path}`);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method: 'GET', agent: this.agent, headers: this.headers, signal }, resolve);
      req.on('error', reject);
      req.end();
    });
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

  recordFailure(kind: string): void {
    this.stats.failures++;
    this.stats.failureKinds[kind] = (this.stats.failureKinds[kind] ?? 0) + 1;
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
    this.agent.destroy();
  }
}
